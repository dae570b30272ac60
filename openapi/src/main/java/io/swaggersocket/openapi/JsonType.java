package io.swaggersocket.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;

/** The JSON Schema types, named as in messages ("expected an integer"). */
enum JsonType {
    STRING("string", "a string"),
    INTEGER("integer", "an integer"),
    NUMBER("number", "a number"),
    BOOLEAN("boolean", "a boolean"),
    OBJECT("object", "an object"),
    ARRAY("array", "an array"),
    NULL("null", "null");

    final String keyword;
    final String phrase;

    JsonType(String keyword, String phrase) {
        this.keyword = keyword;
        this.phrase = phrase;
    }

    /** The type for a schema's {@code type} keyword, or {@code null} when unknown. */
    static JsonType of(String keyword) {
        for (JsonType t : values()) {
            if (t.keyword.equals(keyword)) {
                return t;
            }
        }
        return null;
    }

    /** An integer in the JSON Schema sense: {@code 5} and {@code 5.0} both are. */
    static boolean isIntegral(JsonNode value) {
        if (value.isIntegralNumber()) {
            return true;
        }
        if (!value.isNumber() || (value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
            return false;
        }
        BigDecimal d = value.decimalValue();
        return d.signum() == 0 || d.stripTrailingZeros().scale() <= 0;
    }
}
