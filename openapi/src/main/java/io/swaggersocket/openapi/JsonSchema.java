package io.swaggersocket.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A compiled schema: the subset of OpenAPI 3.0 Schema Objects (and of 3.1's JSON Schema) that
 * requests are checked against. Built and linked by {@link SchemaCompiler}; never changed after
 * the handler is built, so it is shared by all calls.
 *
 * <p>Type-specific keywords apply only to values of that type, as in JSON Schema. The first
 * failure is reported, with the JSON pointer of the offending value.
 */
final class JsonSchema {
    private static final BigDecimal INT_MIN = BigDecimal.valueOf(Integer.MIN_VALUE);
    private static final BigDecimal INT_MAX = BigDecimal.valueOf(Integer.MAX_VALUE);
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
    /** Integer digits beyond which multipleOf is not computed (a mapper reading BigDecimals accepts 1e999999999). */
    private static final int MAX_INTEGER_DIGITS = 1000;
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final int MAX_SHOWN = 40;

    /** Accepts everything: a missing schema. */
    static final JsonSchema ANY = new JsonSchema();

    /** Set for a {@code $ref}: everything else is then ignored, as in OpenAPI 3.0. */
    JsonSchema ref;
    /** {@code false} schema of 3.1: nothing is valid. */
    boolean rejectAll;

    Set<JsonType> types;
    boolean nullable;
    String format;
    List<JsonNode> enumValues;
    JsonNode constValue;
    JsonNode defaultValue;

    BigDecimal minimum;
    BigDecimal exclusiveMinimum;
    BigDecimal maximum;
    BigDecimal exclusiveMaximum;
    BigDecimal multipleOf;

    Integer minLength;
    Integer maxLength;
    Pattern pattern;

    Integer minItems;
    Integer maxItems;
    boolean uniqueItems;
    JsonSchema items;

    Map<String, JsonSchema> properties;
    List<String> required;
    Set<String> readOnly;
    Boolean additionalAllowed;
    JsonSchema additionalSchema;
    Integer minProperties;
    Integer maxProperties;

    List<JsonSchema> allOf;
    List<JsonSchema> anyOf;
    List<JsonSchema> oneOf;
    JsonSchema not;
    String discriminator;
    Map<String, JsonSchema> mapping;

    /** The schema behind any chain of {@code $ref}s. */
    JsonSchema resolved() {
        JsonSchema s = this;
        for (int hops = 0; s.ref != null && hops < 64; hops++) {
            s = s.ref;
        }
        return s;
    }

    /** The type parameters are converted to: the first declared type that is not null, else string. */
    JsonType primaryType() {
        JsonSchema s = resolved();
        if (s.types != null) {
            for (JsonType t : s.types) {
                if (t != JsonType.NULL) {
                    return t;
                }
            }
        }
        return JsonType.STRING;
    }

    /**
     * Checks {@code value} found at {@code pointer}.
     *
     * @param quote how strings are shown in messages: {@code '"'} for JSON bodies, {@code '\''}
     *        for parameters
     */
    void validate(JsonNode value, String pointer, char quote) throws Invalid {
        if (ref != null) {
            ref.validate(value, pointer, quote);
            return;
        }
        if (rejectAll) {
            throw new Invalid(pointer, "no value is allowed here");
        }
        if (value.isNull() && (nullable || types != null && types.contains(JsonType.NULL))) {
            return;
        }
        if (types != null && types.stream().noneMatch(t -> t.matches(value))) {
            throw new Invalid(pointer, "expected " + typePhrase() + " but was " + show(value, quote));
        }
        checkFormat(value, pointer, quote);
        if (enumValues != null && enumValues.stream().noneMatch(e -> same(e, value))) {
            throw new Invalid(pointer, "expected one of " + showEnum() + " but was " + show(value, quote));
        }
        if (constValue != null && !same(constValue, value)) {
            throw new Invalid(pointer, "expected " + show(constValue, quote) + " but was " + show(value, quote));
        }
        if (value.isNumber()) {
            checkNumber(value, pointer);
        } else if (value.isTextual()) {
            checkString(value.textValue(), pointer, quote);
        } else if (value.isArray()) {
            checkArray(value, pointer, quote);
        } else if (value.isObject()) {
            checkObject(value, pointer, quote);
        }
        checkComposition(value, pointer, quote);
    }

    /** Whether {@code value} is valid, for anyOf / oneOf. */
    boolean accepts(JsonNode value, String pointer, char quote) {
        try {
            validate(value, pointer, quote);
            return true;
        } catch (Invalid e) {
            return false;
        }
    }

    private void checkFormat(JsonNode value, String pointer, char quote) throws Invalid {
        if (format == null) {
            return;
        }
        if (value.isNumber() && JsonType.isIntegral(value) && (format.equals("int32") || format.equals("int64"))) {
            // compared as decimals: never expand a huge exponent into a BigInteger
            BigDecimal n = value.decimalValue();
            boolean int32 = format.equals("int32");
            if (n.compareTo(int32 ? INT_MIN : LONG_MIN) < 0 || n.compareTo(int32 ? INT_MAX : LONG_MAX) > 0) {
                throw new Invalid(pointer, "expected an " + format + " but was " + show(value, quote));
            }
        } else if (value.isTextual()) {
            String s = value.textValue();
            boolean ok;
            switch (format) {
                case "date":
                    ok = parses(() -> LocalDate.parse(s));
                    break;
                case "date-time":
                    ok = parses(() -> OffsetDateTime.parse(s));
                    break;
                case "uuid":
                    ok = UUID.matcher(s).matches();
                    break;
                default:
                    ok = true; // other formats (email, uri, byte, ...) are annotations here
            }
            if (!ok) {
                throw new Invalid(pointer, "expected a " + format + " but was " + show(value, quote));
            }
        }
    }

    private static boolean parses(Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private void checkNumber(JsonNode value, String pointer) throws Invalid {
        if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
            return;
        }
        BigDecimal n = value.decimalValue();
        String shown = value.asText();
        if (minimum != null && n.compareTo(minimum) < 0) {
            throw new Invalid(pointer, "expected a value >= " + plain(minimum) + " but was " + shown);
        }
        if (exclusiveMinimum != null && n.compareTo(exclusiveMinimum) <= 0) {
            throw new Invalid(pointer, "expected a value > " + plain(exclusiveMinimum) + " but was " + shown);
        }
        if (maximum != null && n.compareTo(maximum) > 0) {
            throw new Invalid(pointer, "expected a value <= " + plain(maximum) + " but was " + shown);
        }
        if (exclusiveMaximum != null && n.compareTo(exclusiveMaximum) >= 0) {
            throw new Invalid(pointer, "expected a value < " + plain(exclusiveMaximum) + " but was " + shown);
        }
        if (multipleOf != null && multipleOf.signum() > 0
                && (n.precision() - n.scale() > MAX_INTEGER_DIGITS || n.remainder(multipleOf).signum() != 0)) {
            throw new Invalid(pointer, "expected a multiple of " + plain(multipleOf) + " but was " + shown);
        }
    }

    private void checkString(String s, String pointer, char quote) throws Invalid {
        int length = s.codePointCount(0, s.length());
        if (minLength != null && length < minLength) {
            throw new Invalid(pointer, "expected a length >= " + minLength + " but was " + length);
        }
        if (maxLength != null && length > maxLength) {
            throw new Invalid(pointer, "expected a length <= " + maxLength + " but was " + length);
        }
        if (pattern != null && !pattern.matcher(s).find()) {
            throw new Invalid(pointer, "expected a string matching '" + pattern.pattern() + "' but was "
                    + quoted(s, quote));
        }
    }

    private void checkArray(JsonNode array, String pointer, char quote) throws Invalid {
        int size = array.size();
        if (minItems != null && size < minItems) {
            throw new Invalid(pointer, "expected a size >= " + minItems + " but was " + size);
        }
        if (maxItems != null && size > maxItems) {
            throw new Invalid(pointer, "expected a size <= " + maxItems + " but was " + size);
        }
        if (items != null) {
            for (int i = 0; i < size; i++) {
                items.validate(array.get(i), pointer + "/" + i, quote);
            }
        }
        if (uniqueItems) {
            for (int i = 1; i < size; i++) {
                for (int j = 0; j < i; j++) {
                    if (same(array.get(i), array.get(j))) {
                        throw new Invalid(pointer + "/" + i, "expected unique items but this repeats item " + j);
                    }
                }
            }
        }
    }

    private void checkObject(JsonNode object, String pointer, char quote) throws Invalid {
        if (required != null) {
            for (String name : required) {
                // OpenAPI 3.0: a readOnly property is required in responses only
                if (!object.has(name) && (readOnly == null || !readOnly.contains(name))) {
                    throw new Invalid(pointer + "/" + escape(name), "required property is missing");
                }
            }
        }
        int count = object.size();
        if (minProperties != null && count < minProperties) {
            throw new Invalid(pointer, "expected a property count >= " + minProperties + " but was " + count);
        }
        if (maxProperties != null && count > maxProperties) {
            throw new Invalid(pointer, "expected a property count <= " + maxProperties + " but was " + count);
        }
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            String at = pointer + "/" + escape(field.getKey());
            JsonSchema declared = properties == null ? null : properties.get(field.getKey());
            if (declared != null) {
                declared.validate(field.getValue(), at, quote);
            } else if (additionalSchema != null) {
                additionalSchema.validate(field.getValue(), at, quote);
            } else if (Boolean.FALSE.equals(additionalAllowed)) {
                throw new Invalid(at, "property is not allowed");
            }
        }
    }

    private void checkComposition(JsonNode value, String pointer, char quote) throws Invalid {
        if (allOf != null) {
            for (JsonSchema s : allOf) {
                s.validate(value, pointer, quote);
            }
        }
        if (anyOf != null && !chooseByDiscriminator(value, pointer, quote)) {
            if (anyOf.stream().noneMatch(s -> s.accepts(value, pointer, quote))) {
                throw new Invalid(pointer, "expected a value matching at least one anyOf schema but it matched none");
            }
        }
        if (oneOf != null && !chooseByDiscriminator(value, pointer, quote)) {
            List<Integer> matched = new ArrayList<>();
            for (int i = 0; i < oneOf.size(); i++) {
                if (oneOf.get(i).accepts(value, pointer, quote)) {
                    matched.add(i);
                }
            }
            if (matched.size() != 1) {
                throw new Invalid(pointer, "expected a value matching exactly one oneOf schema but it matched "
                        + (matched.isEmpty() ? "none" : matched.size() + " (schemas " + matched + ")"));
            }
        }
        if (not != null && not.accepts(value, pointer, quote)) {
            throw new Invalid(pointer, "expected a value not matching the 'not' schema");
        }
    }

    /**
     * With a discriminator and an object carrying its property, validates against the one schema
     * the property names (so the caller sees that schema's exact error) and returns true; returns
     * false when the discriminator does not apply and every alternative must be tried.
     */
    private boolean chooseByDiscriminator(JsonNode value, String pointer, char quote) throws Invalid {
        if (discriminator == null || !value.isObject() || !value.path(discriminator).isTextual()) {
            return false;
        }
        String name = value.get(discriminator).textValue();
        JsonSchema chosen = mapping.get(name);
        if (chosen == null) {
            throw new Invalid(pointer + "/" + escape(discriminator),
                    "expected one of " + mapping.keySet() + " but was " + quoted(name, quote));
        }
        chosen.validate(value, pointer, quote);
        return true;
    }

    private String typePhrase() {
        StringBuilder sb = new StringBuilder();
        for (JsonType t : types) {
            if (sb.length() > 0) {
                sb.append(" or ");
            }
            sb.append(t.phrase);
        }
        return sb.toString();
    }

    private String showEnum() {
        List<String> shown = new ArrayList<>();
        for (JsonNode e : enumValues) {
            shown.add(e.isTextual() ? e.textValue() : e.toString());
        }
        return shown.toString();
    }

    /** Numbers compare by value ({@code 1 == 1.0}); everything else structurally. */
    static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            boolean aFinite = !(a.isDouble() || a.isFloat()) || Double.isFinite(a.doubleValue());
            boolean bFinite = !(b.isDouble() || b.isFloat()) || Double.isFinite(b.doubleValue());
            if (!aFinite || !bFinite) {
                return a.doubleValue() == b.doubleValue();
            }
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!same(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Map.Entry<String, JsonNode> field : a.properties()) {
                JsonNode other = b.get(field.getKey());
                if (other == null || !same(field.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** A value as messages show it: scalars as written, containers by kind, long text cut short. */
    static String show(JsonNode value, char quote) {
        if (value.isObject()) {
            return "an object";
        }
        if (value.isArray()) {
            return "an array";
        }
        if (value.isTextual()) {
            return quoted(value.textValue(), quote);
        }
        return cut(value.toString());
    }

    static String quoted(String s, char quote) {
        return quote + cut(s) + quote;
    }

    private static String cut(String s) {
        return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN) + "...";
    }

    private static String plain(BigDecimal d) {
        return d.stripTrailingZeros().toPlainString();
    }

    /** Escapes a property name for a JSON pointer (RFC 6901). */
    static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }
}
