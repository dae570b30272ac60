package io.swaggersocket.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles Schema Objects of the document tree into {@link JsonSchema}s, checking that each
 * keyword it uses has the right kind of value. Each {@code $ref} is compiled once and shared,
 * which also ties the knot for recursive schemas. Used while building only.
 */
final class SchemaCompiler {
    private static final String SCHEMAS = "#/components/schemas/";

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
        if (node.isBoolean()) { // 3.1: true accepts everything, false nothing
            if (node.booleanValue()) {
                return JsonSchema.ANY;
            }
            JsonSchema none = new JsonSchema();
            none.rejectAll = true;
            return none;
        }
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": expected a schema object but was " + node);
        }
        if (node.has("$ref")) {
            return compileRef(text(node, "$ref", where), where);
        }
        JsonSchema s = new JsonSchema();
        s.types = types(node.get("type"), where);
        s.nullable = bool(node, "nullable", where);
        s.format = node.has("format") ? text(node, "format", where) : null;
        if (node.has("enum")) {
            JsonNode values = node.get("enum");
            if (!values.isArray() || values.isEmpty()) {
                throw new IllegalArgumentException(where + ": enum: expected a non-empty array but was " + values);
            }
            List<JsonNode> list = new ArrayList<>();
            values.forEach(list::add);
            s.enumValues = List.copyOf(list);
        }
        s.constValue = node.get("const");
        s.defaultValue = node.get("default");
        s.minimum = number(node, "minimum", where);
        s.maximum = number(node, "maximum", where);
        JsonNode exclusiveMin = node.get("exclusiveMinimum");
        if (exclusiveMin != null && exclusiveMin.isBoolean()) { // 3.0: a flag on minimum
            if (exclusiveMin.booleanValue()) {
                s.exclusiveMinimum = s.minimum;
                s.minimum = null;
            }
        } else {
            s.exclusiveMinimum = number(node, "exclusiveMinimum", where); // 3.1: a bound of its own
        }
        JsonNode exclusiveMax = node.get("exclusiveMaximum");
        if (exclusiveMax != null && exclusiveMax.isBoolean()) {
            if (exclusiveMax.booleanValue()) {
                s.exclusiveMaximum = s.maximum;
                s.maximum = null;
            }
        } else {
            s.exclusiveMaximum = number(node, "exclusiveMaximum", where);
        }
        s.multipleOf = number(node, "multipleOf", where);
        s.minLength = count(node, "minLength", where);
        s.maxLength = count(node, "maxLength", where);
        if (node.has("pattern")) {
            String pattern = text(node, "pattern", where);
            try {
                s.pattern = Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(where + ": pattern '" + pattern
                        + "' is not a valid regular expression: " + e.getDescription(), e);
            }
        }
        s.minItems = count(node, "minItems", where);
        s.maxItems = count(node, "maxItems", where);
        s.uniqueItems = bool(node, "uniqueItems", where);
        if (node.has("items")) {
            s.items = compile(node.get("items"), where + "/items");
        }
        if (node.has("properties")) {
            JsonNode properties = node.get("properties");
            if (!properties.isObject()) {
                throw new IllegalArgumentException(where + ": properties: expected an object but was " + properties);
            }
            Map<String, JsonSchema> compiled = new LinkedHashMap<>();
            Set<String> readOnly = new LinkedHashSet<>();
            for (Map.Entry<String, JsonNode> p : properties.properties()) {
                String at = where + "/properties/" + p.getKey();
                compiled.put(p.getKey(), compile(p.getValue(), at));
                JsonNode target = p.getValue().isObject() ? document.deref(p.getValue(), at) : p.getValue();
                if (target.path("readOnly").asBoolean(false)) {
                    readOnly.add(p.getKey());
                }
            }
            s.properties = Collections.unmodifiableMap(compiled);
            s.readOnly = readOnly.isEmpty() ? null : Set.copyOf(readOnly);
        }
        if (node.has("required")) {
            JsonNode required = node.get("required");
            List<String> names = new ArrayList<>();
            if (required.isArray()) {
                required.forEach(n -> names.add(n.isTextual() ? n.textValue() : null));
            }
            if (!required.isArray() || names.contains(null)) {
                throw new IllegalArgumentException(where + ": required: expected an array of names but was " + required);
            }
            s.required = names.isEmpty() ? null : List.copyOf(names);
        }
        JsonNode additional = node.get("additionalProperties");
        if (additional != null && additional.isBoolean()) {
            s.additionalAllowed = additional.booleanValue();
        } else if (additional != null) {
            s.additionalSchema = compile(additional, where + "/additionalProperties");
        }
        s.minProperties = count(node, "minProperties", where);
        s.maxProperties = count(node, "maxProperties", where);
        s.allOf = compileAll(node, "allOf", where);
        s.anyOf = compileAll(node, "anyOf", where);
        s.oneOf = compileAll(node, "oneOf", where);
        if (node.has("not")) {
            s.not = compile(node.get("not"), where + "/not");
        }
        JsonNode discriminator = node.get("discriminator");
        if (discriminator != null && (s.oneOf != null || s.anyOf != null)) {
            s.discriminator = text(discriminator, "propertyName", where + "/discriminator");
            s.mapping = mapping(node, discriminator, where);
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

    private List<JsonSchema> compileAll(JsonNode node, String keyword, String where) {
        JsonNode list = node.get(keyword);
        if (list == null) {
            return null;
        }
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException(where + ": " + keyword + ": expected a non-empty array but was " + list);
        }
        List<JsonSchema> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(compile(list.get(i), where + "/" + keyword + "/" + i));
        }
        return List.copyOf(out);
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

    /**
     * Discriminator values to schemas: the explicit mapping (values are refs, or bare schema
     * names), then each {@code $ref}'d alternative under its schema name.
     */
    private Map<String, JsonSchema> mapping(JsonNode node, JsonNode discriminator, String where) {
        Map<String, JsonSchema> mapping = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> m : discriminator.path("mapping").properties()) {
            String at = where + "/discriminator/mapping/" + m.getKey();
            String value = m.getValue().asText();
            String ref = value.startsWith("#") || value.contains("/") || value.contains(".") ? value : SCHEMAS + value;
            mapping.put(m.getKey(), compileRef(ref, at));
        }
        for (String keyword : List.of("oneOf", "anyOf")) {
            for (JsonNode alternative : node.path(keyword)) {
                String ref = alternative.path("$ref").asText("");
                if (ref.startsWith(SCHEMAS)) {
                    mapping.putIfAbsent(ref.substring(SCHEMAS.length()), compileRef(ref, where));
                }
            }
        }
        return Collections.unmodifiableMap(mapping);
    }

    private static String text(JsonNode node, String key, String where) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(where + ": " + key + ": expected a string but was " + value);
        }
        return value.textValue();
    }

    private static boolean bool(JsonNode node, String key, String where) {
        JsonNode value = node.get(key);
        if (value != null && !value.isBoolean()) {
            throw new IllegalArgumentException(where + ": " + key + ": expected a boolean but was " + value);
        }
        return value != null && value.booleanValue();
    }

    private static BigDecimal number(JsonNode node, String key, String where) {
        JsonNode value = node.get(key);
        if (value == null) {
            return null;
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException(where + ": " + key + ": expected a number but was " + value);
        }
        return value.decimalValue();
    }

    private static Integer count(JsonNode node, String key, String where) {
        JsonNode value = node.get(key);
        if (value == null) {
            return null;
        }
        if (!value.canConvertToInt() || !JsonType.isIntegral(value) || value.intValue() < 0) {
            throw new IllegalArgumentException(where + ": " + key + ": expected a count but was " + value);
        }
        return value.intValue();
    }
}
