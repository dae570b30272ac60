package io.swaggersocket.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.networknt.schema.Error;
import com.networknt.schema.path.NodePath;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns networknt's first validation error into an {@link Invalid} worded as this handler has
 * always worded them: "expected X but was Y", with the offending value, and the JSON pointer of
 * the value concerned (a missing or forbidden property is pointed at by name). networknt's own
 * messages ("must have a minimum value of 0") carry neither the value nor, for OpenAPI 3.0's
 * boolean {@code exclusiveMinimum}, the right bound; keywords not listed here keep networknt's
 * message. No state.
 */
final class ValidationErrors {
    private static final String SCHEMAS = "#/components/schemas/";

    private ValidationErrors() {
    }

    /**
     * The first of {@code errors} (not empty), as an {@link Invalid}.
     *
     * @param document the document tree the schemas were loaded from, to read a keyword's siblings
     * @param quote how strings are shown: {@code '"'} for JSON bodies, {@code '\''} for parameters
     */
    static Invalid first(List<Error> errors, JsonNode document, char quote) {
        Error selected = discriminated(errors);
        if (selected != null) {
            return translate(selected, errors, document, quote, false);
        }
        return translate(errors.get(0), errors, document, quote, true);
    }

    /**
     * The error of the schema a discriminator selected, when the rule SchemaValidator adds for it
     * ({@code allOf/k/anyOf: [{not: <the property has that value>}, {$ref: <its schema>}]}) failed:
     * networknt then reports only the selected schema's own errors, under {@code anyOf/1/$ref},
     * and that one is the one to report rather than "matched no anyOf schema".
     */
    private static Error discriminated(List<Error> errors) {
        for (Error e : errors) {
            List<String> path = names(e.getEvaluationPath());
            for (int i = 0; i + 4 < path.size(); i++) {
                if (path.get(i).equals("allOf") && path.get(i + 2).equals("anyOf") && path.get(i + 3).equals("1")
                        && path.get(i + 4).equals("$ref")) {
                    return e;
                }
            }
        }
        return null;
    }

    private static List<String> names(NodePath path) {
        List<String> names = new ArrayList<>();
        for (int i = 0; path != null && i < path.getNameCount(); i++) {
            names.add(String.valueOf(path.getName(i)));
        }
        return names;
    }

    private static Invalid translate(Error e, List<Error> errors, JsonNode document, char quote, boolean wrapAnyOf) {
        String pointer = e.getInstanceLocation() == null ? "" : e.getInstanceLocation().toString();
        if (pointer.equals("/")) {
            pointer = "";
        }
        Invalid anyOf = wrapAnyOf ? anyOf(e, pointer) : null;
        if (anyOf != null) {
            return anyOf; // networknt 2.0 reports each failed alternative but not the anyOf itself
        }
        JsonNode value = e.getInstanceNode();
        JsonNode keywordValue = e.getSchemaNode();
        String was = value == null ? "" : " but was " + JsonSchema.show(value, quote);
        String bound = keywordValue == null ? "" : keywordValue.asText();
        String keyword = e.getKeyword() == null ? "" : e.getKeyword();
        switch (keyword) {
            case "type":
                return new Invalid(pointer, "expected " + typePhrase(keywordValue) + was);
            case "required":
                return new Invalid(pointer + "/" + JsonSchema.escape(e.getProperty()), "required property is missing");
            case "additionalProperties":
                return new Invalid(pointer + "/" + JsonSchema.escape(e.getProperty()), "property is not allowed");
            case "minimum":
                String min = exclusive(e, document, "exclusiveMinimum") ? "> " : ">= ";
                return new Invalid(pointer, "expected a value " + min + bound + was);
            case "maximum":
                String max = exclusive(e, document, "exclusiveMaximum") ? "< " : "<= ";
                return new Invalid(pointer, "expected a value " + max + bound + was);
            case "exclusiveMinimum":
                return new Invalid(pointer, "expected a value > " + bound + was);
            case "exclusiveMaximum":
                return new Invalid(pointer, "expected a value < " + bound + was);
            case "multipleOf":
                return new Invalid(pointer, "expected a multiple of " + bound + was);
            case "minLength":
            case "maxLength":
                return new Invalid(pointer, "expected a length " + (keyword.startsWith("min") ? ">= " : "<= ") + bound
                        + " but was " + value.textValue().codePointCount(0, value.textValue().length()));
            case "minItems":
            case "maxItems":
                return new Invalid(pointer, "expected a size " + (keyword.startsWith("min") ? ">= " : "<= ") + bound
                        + " but was " + value.size());
            case "minProperties":
            case "maxProperties":
                return new Invalid(pointer, "expected a property count " + (keyword.startsWith("min") ? ">= " : "<= ")
                        + bound + " but was " + value.size());
            case "pattern":
                return new Invalid(pointer, "expected a string matching '" + bound + "'" + was);
            case "format":
                return new Invalid(pointer, "expected " + article(bound) + " " + bound + was);
            case "enum":
                return new Invalid(pointer, "expected one of " + shownList(keywordValue) + was);
            case "const":
                return new Invalid(pointer, "expected " + JsonSchema.show(keywordValue, quote) + was);
            case "uniqueItems":
                return repeated(value, pointer);
            case "oneOf":
                String discriminator = sibling(e, document, "discriminator").path("propertyName").asText("");
                if (errors.size() > 1 && value != null && value.path(discriminator).isTextual()) {
                    // networknt checks only the schema the discriminator names: its error is the useful one
                    return first(errors.subList(1, errors.size()), document, quote);
                }
                Object[] args = e.getArguments();
                boolean none = args == null || args.length == 0 || "0".equals(String.valueOf(args[0]));
                return new Invalid(pointer, "expected a value matching exactly one oneOf schema but it matched "
                        + (none ? "none" : args[0] + (args.length > 1 ? " (schemas [" + args[1] + "])" : "")));
            case "readOnly":
                return new Invalid(pointer, "property is read-only: it is not accepted in a request");
            case "not":
                return new Invalid(pointer, "expected a value not matching the 'not' schema");
            default:
                if (String.valueOf(e.getMessageKey()).startsWith("discriminator")) {
                    return unknownDiscriminator(e, document, pointer, quote);
                }
                return new Invalid(pointer, e.getMessage());
        }
    }

    /** A discriminator value that names no schema: the values that do, at the discriminator property. */
    private static Invalid unknownDiscriminator(Error e, JsonNode document, String pointer, char quote) {
        JsonNode discriminator = sibling(e, document, "discriminator");
        String property = discriminator.path("propertyName").asText("");
        List<String> names = new ArrayList<>();
        discriminator.path("mapping").fieldNames().forEachRemaining(names::add);
        String parent = parentPointer(e);
        JsonNode schema = parent == null ? MissingNode.getInstance() : document.at(parent);
        for (String keyword : List.of("oneOf", "anyOf")) {
            for (JsonNode alternative : schema.path(keyword)) {
                String ref = alternative.path("$ref").asText("");
                String name = ref.substring(ref.lastIndexOf('/') + 1);
                if (ref.startsWith(SCHEMAS) && !names.contains(name)) {
                    names.add(name);
                }
            }
        }
        JsonNode value = e.getInstanceNode() == null ? MissingNode.getInstance() : e.getInstanceNode().path(property);
        if (property.isEmpty() || !value.isTextual()) {
            return new Invalid(pointer, e.getMessage());
        }
        return new Invalid(pointer + "/" + JsonSchema.escape(property),
                "expected one of " + names + " but was " + JsonSchema.show(value, quote));
    }

    /**
     * When {@code e} comes from an alternative of an {@code anyOf}, that anyOf's failure, at the
     * value the anyOf applies to: the error's location less the steps the alternative took into
     * the value (read from the evaluation path); otherwise null.
     */
    private static Invalid anyOf(Error e, String pointer) {
        NodePath path = e.getEvaluationPath();
        int anyOf = -1;
        for (int i = 0; path != null && i < path.getNameCount(); i++) {
            if ("anyOf".equals(path.getName(i))) {
                anyOf = i;
                break;
            }
        }
        if (anyOf < 0) {
            return null;
        }
        int steps = 0;
        for (int i = anyOf + 2; i < path.getNameCount(); i++) {
            switch (String.valueOf(path.getName(i))) {
                case "properties", "patternProperties", "prefixItems" -> {
                    steps++;
                    i++; // the property name, pattern or index: a name, not a keyword
                }
                case "items", "additionalProperties", "additionalItems", "unevaluatedItems", "unevaluatedProperties",
                        "contains" -> steps++;
                default -> {
                    // $ref, allOf/oneOf/anyOf with their index, keywords: no step into the value
                }
            }
        }
        List<String> segments = pointer.isEmpty() ? List.of() : List.of(pointer.substring(1).split("/", -1));
        String at = String.join("/", segments.subList(0, Math.max(0, segments.size() - steps)));
        return new Invalid(at.isEmpty() ? "" : "/" + at,
                "expected a value matching at least one anyOf schema but it matched none");
    }

    /** Whether an OpenAPI 3.0 flag ({@code exclusiveMinimum: true}) sits beside the keyword that failed. */
    private static boolean exclusive(Error e, JsonNode document, String flag) {
        return sibling(e, document, flag).asBoolean(false);
    }

    /** The keyword {@code name} of the schema holding the keyword that failed; missing when there is none. */
    private static JsonNode sibling(Error e, JsonNode document, String name) {
        String parent = parentPointer(e);
        return parent == null ? MissingNode.getInstance() : document.at(parent).path(name);
    }

    /** The pointer of the schema holding the keyword that failed, or null when the location is not in the document. */
    private static String parentPointer(Error e) {
        if (e.getSchemaLocation() == null || e.getSchemaLocation().getFragment() == null) {
            return null;
        }
        String keyword = e.getSchemaLocation().getFragment().toString();
        int slash = keyword.lastIndexOf('/');
        return slash < 0 ? null : keyword.substring(0, slash);
    }

    /** Where an array first repeats an item, by JSON equality as networknt judged it. */
    private static Invalid repeated(JsonNode array, String pointer) {
        for (int i = 1; array != null && i < array.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (array.get(i).equals(array.get(j))) {
                    return new Invalid(pointer + "/" + i, "expected unique items but this repeats item " + j);
                }
            }
        }
        return new Invalid(pointer, "expected unique items");
    }

    private static String typePhrase(JsonNode type) {
        List<String> phrases = new ArrayList<>();
        if (type != null && type.isArray()) {
            type.forEach(t -> phrases.add(phrase(t.asText())));
        } else if (type != null) {
            phrases.add(phrase(type.asText()));
        }
        return String.join(" or ", phrases);
    }

    private static String phrase(String keyword) {
        JsonType t = JsonType.of(keyword);
        return t != null ? t.phrase : keyword;
    }

    private static String shownList(JsonNode values) {
        List<String> shown = new ArrayList<>();
        if (values != null) {
            values.forEach(v -> shown.add(v.isTextual() ? v.textValue() : v.toString()));
        }
        return shown.toString();
    }

    /** "an int32", "a date", "a uuid". */
    private static String article(String word) {
        return !word.isEmpty() && "aeio".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
    }
}
