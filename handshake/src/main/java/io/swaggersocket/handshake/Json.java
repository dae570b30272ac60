package io.swaggersocket.handshake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/** Strict reading of handshake JSON: every failure names the message, the field, and what came. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Json() {
    }

    static ObjectNode parse(String expectedType, String text) throws HandshakeException {
        if (text == null) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED, expectedType + ": expected a JSON object but was null");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED,
                    expectedType + ": expected a JSON object but the text is not JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED,
                    expectedType + ": expected a JSON object but was " + describe(node));
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED,
                    expectedType + ": expected field \"type\" to be a string but was " + describe(type));
        }
        if (!type.asText().equals(expectedType)) {
            throw new HandshakeException(CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE,
                    "expected message type \"" + expectedType + "\" but was \"" + abbreviate(type.asText()) + "\"");
        }
        return (ObjectNode) node;
    }

    static JsonNode object(String message, String field, JsonNode node) throws HandshakeException {
        if (node == null || !node.isObject()) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED,
                    message + ": expected field \"" + field + "\" to be an object but was " + describe(node));
        }
        return node;
    }

    static int intField(String message, JsonNode obj, String field) throws HandshakeException {
        JsonNode v = obj.get(field);
        if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED,
                    message + ": expected field \"" + field + "\" to be a 32-bit integer but was " + describe(v));
        }
        return v.intValue();
    }

    static long longField(String message, JsonNode obj, String field) throws HandshakeException {
        JsonNode v = obj.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber()) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED,
                    message + ": expected field \"" + field + "\" to be an integer but was " + describe(v));
        }
        return v.longValue();
    }

    static String textField(String message, JsonNode obj, String field) throws HandshakeException {
        JsonNode v = obj.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED,
                    message + ": expected field \"" + field + "\" to be a non-empty string but was " + describe(v));
        }
        return v.asText();
    }

    static List<String> stringList(String message, JsonNode obj, String field) throws HandshakeException {
        JsonNode v = obj.get(field);
        if (v == null || !v.isArray()) {
            throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED,
                    message + ": expected field \"" + field + "\" to be an array of strings but was " + describe(v));
        }
        List<String> out = new ArrayList<>(v.size());
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED, message + ": expected field \""
                        + field + "\" to be an array of strings but it holds " + describe(item));
            }
            out.add(item.asText());
        }
        return List.copyOf(out);
    }

    /**
     * Rejects a number too large for a double anywhere in {@code value}: the parser reads
     * {@code 1e400} as infinity, which no JSON text can carry, so the value would change on its
     * way on (written back as the string {@code "Infinity"}).
     */
    static void requireFinite(String message, String field, JsonNode value) throws HandshakeException {
        Deque<Map.Entry<String, JsonNode>> pending = new ArrayDeque<>();
        pending.push(Map.entry("", value));
        while (!pending.isEmpty()) {
            Map.Entry<String, JsonNode> next = pending.pop();
            JsonNode node = next.getValue();
            if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
                throw new HandshakeException(CloseCode.HANDSHAKE_MALFORMED, message + ": expected finite numbers in field \""
                        + field + "\" but " + (next.getKey().isEmpty() ? "it" : abbreviate(next.getKey()))
                        + " is beyond the range of a double");
            }
            if (node.isObject()) {
                node.fields().forEachRemaining(e -> pending.push(Map.entry(
                        next.getKey() + "/" + e.getKey().replace("~", "~0").replace("/", "~1"), e.getValue())));
            } else if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    pending.push(Map.entry(next.getKey() + "/" + i, node.get(i)));
                }
            }
        }
    }

    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        return node.getNodeType().name().toLowerCase() + " " + abbreviate(node.toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
