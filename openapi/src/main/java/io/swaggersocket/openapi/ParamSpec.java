package io.swaggersocket.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One declared parameter, compiled: where it comes from, how its text splits into array items,
 * the type each piece converts to, and the schema the converted value must satisfy.
 */
final class ParamSpec {
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final BigInteger INT_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger INT_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    /** OpenAPI: header parameters with these names are ignored. */
    private static final Set<String> IGNORED_HEADERS = Set.of("accept", "content-type", "authorization");

    final String name;
    /** {@code path}, {@code query}, {@code header} or {@code cookie}. */
    final String in;
    final boolean required;
    private final SchemaValidator.Check schema;
    private final boolean array;
    private final JsonType type;
    private final String format;
    private final boolean explode;
    private final char delimiter;
    private final Object defaultValue;

    private ParamSpec(String name, String in, boolean required, SchemaValidator.Check schema, boolean array,
            JsonType type, String format, boolean explode, char delimiter, JsonNode defaultNode, String where) {
        this.name = name;
        this.in = in;
        this.required = required;
        this.schema = schema;
        this.array = array;
        this.type = type;
        this.format = format;
        this.explode = explode;
        this.delimiter = delimiter;
        this.defaultValue = defaultNode == null ? null : compileDefault(defaultNode, where);
    }

    /**
     * Compiles a resolved parameter, or returns {@code null} for the header parameters OpenAPI
     * says to ignore (Accept, Content-Type, Authorization).
     *
     * @param p the Parameter Object, {@code $ref}s followed, with a name and {@code in}
     * @throws IllegalArgumentException for what this handler does not support (object parameters,
     *         {@code content} instead of {@code schema}, styles other than the defaults and the
     *         delimited query styles)
     */
    static ParamSpec compile(JsonNode p, SchemaCompiler compiler, SchemaValidator validator, String operation) {
        String in = p.path("in").asText();
        String name = p.path("name").asText();
        String where = operation + ": " + in + " parameter '" + name + "'";
        if (!Set.of("path", "query", "header", "cookie").contains(in)) {
            throw new IllegalArgumentException(where + ": 'in' must be path, query, header or cookie");
        }
        if (in.equals("header") && IGNORED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
            return null;
        }
        if (!p.has("schema")) {
            throw new IllegalArgumentException(where + (p.has("content")
                    ? ": 'content' is not supported, only 'schema'" : ": has no schema"));
        }
        JsonSchema schema = compiler.compile(p.get("schema"), where);
        JsonType type = schema.primaryType();
        boolean array = type == JsonType.ARRAY;
        JsonSchema itemSchema = array && schema.resolved().items != null ? schema.resolved().items : JsonSchema.ANY;
        JsonType valueType = array ? itemSchema.primaryType() : type;
        if (valueType == JsonType.OBJECT || valueType == JsonType.ARRAY) {
            throw new IllegalArgumentException(where + ": " + (array ? "arrays of " : "") + valueType.keyword
                    + " parameters are not supported");
        }
        String style = p.has("style") ? p.get("style").asText() : defaultStyle(in);
        boolean allowed = switch (in) {
            case "path", "header" -> style.equals("simple");
            case "cookie" -> style.equals("form");
            default -> style.equals("form") || style.equals("spaceDelimited") || style.equals("pipeDelimited");
        };
        if (!allowed) {
            throw new IllegalArgumentException(where + ": style '" + style + "' is not supported");
        }
        boolean explode = p.has("explode") ? p.get("explode").asBoolean() : style.equals("form");
        char delimiter = style.equals("spaceDelimited") ? ' ' : style.equals("pipeDelimited") ? '|' : ',';
        boolean required = in.equals("path") || p.path("required").asBoolean(false);
        String format = (array ? itemSchema : schema).resolved().format;
        SchemaValidator.Check check = validator.compile(p.get("schema"), where, '\'');
        return new ParamSpec(name, in, required, check, array, valueType, format, explode, delimiter,
                schema.resolved().defaultValue, where);
    }

    private static String defaultStyle(String in) {
        return in.equals("path") || in.equals("header") ? "simple" : "form";
    }

    /** Whether values of this parameter come one per occurrence (repeated query keys). */
    boolean exploded() {
        return array && explode && (in.equals("query") || in.equals("cookie"));
    }

    /**
     * Converts and validates the values sent (empty when absent): the Java value for the call.
     *
     * @throws Rejection 400 naming this parameter
     */
    Object bind(List<String> sent) throws Rejection {
        if (sent.isEmpty()) {
            if (required) {
                throw Rejection.parameter(name, in, in + " parameter '" + name + "' is required");
            }
            return defaultValue;
        }
        try {
            JsonNode value;
            if (array) {
                ArrayNode items = JsonNodeFactory.instance.arrayNode();
                for (String piece : pieces(sent)) {
                    items.add(convert(piece, items.size()));
                }
                value = items;
            } else {
                if (sent.size() > 1) {
                    throw new Invalid("", "expected a single value but got " + sent.size());
                }
                value = convert(sent.get(0), -1);
            }
            schema.validate(value);
            return toJava(value);
        } catch (Invalid e) {
            String item = e.pointer.isEmpty() ? "" : "item " + e.pointer.substring(1) + ": ";
            throw Rejection.parameter(name, in, in + " parameter '" + name + "': " + item + e.getMessage());
        }
    }

    private List<String> pieces(List<String> sent) {
        if (exploded()) {
            return sent;
        }
        List<String> pieces = new ArrayList<>();
        for (String value : sent) {
            if (value.isEmpty()) {
                continue; // an empty delimited list is an empty array
            }
            int start = 0;
            for (int i = 0; i <= value.length(); i++) {
                if (i == value.length() || value.charAt(i) == delimiter) {
                    String piece = value.substring(start, i);
                    pieces.add(in.equals("header") ? piece.trim() : piece);
                    start = i + 1;
                }
            }
        }
        return pieces;
    }

    private JsonNode convert(String text, int index) throws Invalid {
        String at = index < 0 ? "" : "/" + index;
        switch (type) {
            case INTEGER: {
                if (!INTEGER.matcher(text).matches()) {
                    throw new Invalid(at, "expected an integer but was " + JsonSchema.quoted(text, '\''));
                }
                BigInteger n = new BigInteger(text.startsWith("+") ? text.substring(1) : text);
                if ("int32".equals(format)) {
                    if (n.compareTo(INT_MIN) < 0 || n.compareTo(INT_MAX) > 0) {
                        throw new Invalid(at, "expected an int32 but was " + JsonSchema.quoted(text, '\''));
                    }
                    return IntNode.valueOf(n.intValue());
                }
                if (n.compareTo(LONG_MIN) < 0 || n.compareTo(LONG_MAX) > 0) {
                    throw new Invalid(at, "expected an int64 but was " + JsonSchema.quoted(text, '\''));
                }
                return LongNode.valueOf(n.longValue());
            }
            case NUMBER: {
                double d = NUMBER.matcher(text).matches() ? Double.parseDouble(text) : Double.NaN;
                if (!Double.isFinite(d)) {
                    throw new Invalid(at, "expected a number but was " + JsonSchema.quoted(text, '\''));
                }
                return DoubleNode.valueOf(d);
            }
            case BOOLEAN:
                if (text.equals("true") || text.equals("false")) {
                    return BooleanNode.valueOf(text.equals("true"));
                }
                throw new Invalid(at, "expected a boolean but was " + JsonSchema.quoted(text, '\''));
            default:
                return TextNode.valueOf(text);
        }
    }

    /** The schema default, converted like a sent value; a default that fails its own schema is a document bug. */
    private Object compileDefault(JsonNode node, String where) {
        List<String> texts = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> texts.add(n.asText()));
        } else {
            texts.add(node.asText());
        }
        try {
            JsonNode value;
            if (array) {
                ArrayNode items = JsonNodeFactory.instance.arrayNode();
                for (String t : texts) {
                    items.add(convert(t, items.size()));
                }
                value = items;
            } else {
                value = convert(texts.get(0), -1);
            }
            schema.validate(value);
            return toJava(value);
        } catch (Invalid e) {
            throw new IllegalArgumentException(where + ": default " + node + " is invalid: " + e.getMessage(), e);
        }
    }

    private static Object toJava(JsonNode value) {
        if (value.isArray()) {
            List<Object> items = new ArrayList<>(value.size());
            value.forEach(item -> items.add(toJava(item)));
            return Collections.unmodifiableList(items);
        }
        if (value.isInt()) {
            return value.intValue();
        }
        if (value.isLong()) {
            return value.longValue();
        }
        if (value.isDouble()) {
            return value.doubleValue();
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        return value.textValue();
    }
}
