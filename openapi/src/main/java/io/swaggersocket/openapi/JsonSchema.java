package io.swaggersocket.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * What parameter decoding reads from a Schema Object: its types, format, default and item
 * schema, {@code $ref}s linked. Built by {@link SchemaCompiler}; never changed after the handler
 * is built. Validation is not done here but by {@link SchemaValidator}.
 */
final class JsonSchema {
    private static final int MAX_SHOWN = 40;

    /** Says nothing: a missing schema. */
    static final JsonSchema ANY = new JsonSchema();

    /** Set for a {@code $ref}: everything else is then ignored, as in OpenAPI 3.0. */
    JsonSchema ref;
    Set<JsonType> types;
    String format;
    JsonNode defaultValue;
    JsonSchema items;

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

    /** Escapes a property name for a JSON pointer (RFC 6901). */
    static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }
}
