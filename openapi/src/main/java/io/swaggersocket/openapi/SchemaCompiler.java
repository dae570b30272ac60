package io.swaggersocket.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads Schema Objects of the document tree into {@link JsonSchema}s (what parameter decoding
 * needs), checking the keywords it reads. Each {@code $ref} is compiled once and shared,
 * which also ties the knot for recursive schemas. Used while building only.
 */
final class SchemaCompiler {
    private final Document document;
    private final Map<String, JsonSchema> byRef = new HashMap<>();

    SchemaCompiler(Document document) {
        this.document = document;
    }

    /** Compiles {@code node} ({@link JsonSchema#ANY} when missing); {@code where} names it in errors. */
    JsonSchema compile(JsonNode node, String where) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return JsonSchema.ANY;
        }
        if (node.isBoolean()) { // 3.1: true or false declares no type; what false rejects is networknt's business
            return JsonSchema.ANY;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a schema object but was " + node);
        }
        if (node.has("$ref")) {
            return compileRef(text(node, "$ref", where), where);
        }
        JsonSchema s = new JsonSchema();
        s.types = types(node.get("type"), where);
        s.format = node.has("format") ? text(node, "format", where) : null;
        s.defaultValue = node.get("default");
        if (node.has("pattern")) { // checked here so a bad pattern names its parameter or body at build time
            String pattern = text(node, "pattern", where);
            try {
                Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(where + ": pattern '" + pattern
                        + "' is not a valid regular expression: " + e.getDescription(), e);
            }
        }
        if (node.has("items")) {
            s.items = compile(node.get("items"), where + "/items");
        }
        return s;
    }

    private JsonSchema compileRef(String ref, String where) {
        JsonSchema known = byRef.get(ref);
        if (known != null) {
            return known;
        }
        JsonSchema link = new JsonSchema();
        byRef.put(ref, link);
        link.ref = compile(document.resolve(ref, where), ref);
        Set<JsonSchema> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (JsonSchema s = link; s.ref != null; s = s.ref) {
            if (!seen.add(s)) {
                throw new IllegalArgumentException(where + ": $ref '" + ref + "' refers to itself");
            }
        }
        return link;
    }

    private static Set<JsonType> types(JsonNode type, String where) {
        if (type == null) {
            return null;
        }
        List<JsonNode> keywords = new ArrayList<>();
        if (type.isArray()) {
            type.forEach(keywords::add);
        } else {
            keywords.add(type);
        }
        Set<JsonType> types = new LinkedHashSet<>();
        for (JsonNode keyword : keywords) {
            JsonType t = keyword.isTextual() ? JsonType.of(keyword.textValue()) : null;
            if (t == null) {
                throw new IllegalArgumentException(where + ": type: " + keyword + " is not a JSON Schema type");
            }
            types.add(t);
        }
        return Collections.unmodifiableSet(types);
    }

    private static String text(JsonNode node, String key, String where) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(where + ": " + key + ": expected a string but was " + value);
        }
        return value.textValue();
    }
}
