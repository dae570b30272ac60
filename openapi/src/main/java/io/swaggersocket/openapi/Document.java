package io.swaggersocket.openapi;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.core.util.Yaml;
import io.swagger.v3.core.util.Yaml31;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.SpecVersion;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The OpenAPI document as a JSON tree: what the handler compiles and serves. Text is read with
 * swagger-core's YAML / JSON mappers into a tree, not into swagger-core's model, because the
 * model's 3.0 deserializer gives every schema without a {@code type} the type {@code object}
 * (swagger-core issue 4014), which would refuse valid values; a model built in code is turned
 * into a tree with swagger-core's mapper, as {@code Json.pretty} would. Read-only once made.
 */
final class Document {
    final JsonNode tree;
    final boolean v31;

    private Document(JsonNode tree, boolean v31) {
        this.tree = tree;
        this.v31 = v31;
    }

    /** Reads a YAML or JSON document (JSON when it starts with a brace). */
    static Document parse(String text) {
        boolean json = text.stripLeading().startsWith("{");
        JsonNode tree;
        try {
            tree = (json ? Json.mapper() : Yaml.mapper()).readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot parse the OpenAPI document: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr()), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("not an OpenAPI document: expected a mapping at the top");
        }
        JsonNode version = tree.get("openapi");
        if (version == null) {
            JsonNode swagger = tree.get("swagger");
            throw new IllegalArgumentException(swagger != null
                    ? "openapi: expected 3.x but this is a Swagger " + swagger.asText() + " document"
                    : "openapi: missing; expected 3.x");
        }
        return new Document(tree, checkVersion(version.asText()));
    }

    /** Turns a model built in code into a tree, as it stands now. */
    static Document of(OpenAPI model) {
        String version = model.getOpenapi();
        boolean v31 = version != null ? checkVersion(version) : model.getSpecVersion() == SpecVersion.V31;
        ObjectMapper mapper = v31 ? Json31.mapper() : Json.mapper();
        return new Document(mapper.valueToTree(model), v31);
    }

    private static boolean checkVersion(String version) {
        if (!version.startsWith("3.")) {
            throw new IllegalArgumentException("openapi: expected 3.x but was '" + version + "'");
        }
        return version.startsWith("3.1");
    }

    String prettyJson() {
        return v31 ? Json31.pretty(tree) : Json.pretty(tree);
    }

    String prettyYaml() {
        return v31 ? Yaml31.pretty(tree) : Yaml.pretty(tree);
    }

    /**
     * Rejects every {@code $ref} that does not start with {@code #}, naming where it is. Example,
     * default, enum and extension values are data, not references, so they are not searched.
     */
    void rejectExternalRefs() {
        scan(tree, "");
    }

    private static void scan(JsonNode node, String pointer) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String key = field.getKey();
                JsonNode value = field.getValue();
                if (key.equals("$ref") && value.isTextual() && !value.textValue().startsWith("#")) {
                    throw new IllegalArgumentException("external $ref '" + value.textValue() + "' at " + pointer
                            + " is not supported: only local references (#/...) are resolved");
                }
                if (!isData(key)) {
                    scan(value, pointer + "/" + JsonSchema.escape(key));
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                scan(node.get(i), pointer + "/" + i);
            }
        }
    }

    private static boolean isData(String key) {
        return key.equals("example") || key.equals("examples") || key.equals("default") || key.equals("enum")
                || key.equals("const") || key.startsWith("x-");
    }

    /** The node a local {@code $ref} points to. */
    JsonNode resolve(String ref, String where) {
        if (!ref.startsWith("#")) {
            throw new IllegalArgumentException(where + ": external $ref '" + ref
                    + "' is not supported: only local references (#/...) are resolved");
        }
        JsonPointer pointer;
        try {
            pointer = JsonPointer.compile(Decoding.decode(ref.substring(1), false));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": $ref '" + ref + "' is not a valid JSON pointer", e);
        }
        JsonNode target = tree.at(pointer);
        if (target.isMissingNode()) {
            throw new IllegalArgumentException(where + ": $ref '" + ref + "' does not resolve");
        }
        return target;
    }

    /** Follows {@code $ref}s (parameters, request bodies, responses, path items) to the object they name. */
    JsonNode deref(JsonNode node, String where) {
        Set<String> seen = new HashSet<>();
        JsonNode current = node;
        while (current != null && current.isObject() && current.path("$ref").isTextual()) {
            String ref = current.get("$ref").textValue();
            if (!seen.add(ref)) {
                throw new IllegalArgumentException(where + ": $ref '" + ref + "' refers to itself");
            }
            current = resolve(ref, where);
        }
        return current;
    }

    /**
     * The base path from the first server URL ({@code http://x/api/v1} gives {@code /api/v1}),
     * with server variables replaced by their defaults; {@code ""} when there is none.
     */
    String defaultBasePath() {
        JsonNode server = tree.path("servers").path(0);
        if (!server.path("url").isTextual()) {
            return "";
        }
        String url = server.get("url").textValue();
        for (Map.Entry<String, JsonNode> v : server.path("variables").properties()) {
            if (v.getValue().path("default").isValueNode()) {
                url = url.replace("{" + v.getKey() + "}", v.getValue().get("default").asText());
            }
        }
        int scheme = url.indexOf("://");
        String path;
        if (scheme >= 0 || url.startsWith("//")) {
            int slash = url.indexOf('/', scheme >= 0 ? scheme + 3 : 2);
            path = slash < 0 ? "" : url.substring(slash);
        } else {
            path = url.startsWith("/") ? url : "/" + url;
        }
        for (int i = 0; i < path.length(); i++) {
            if (path.charAt(i) == '?' || path.charAt(i) == '#') {
                path = path.substring(0, i);
                break;
            }
        }
        return normalizeBasePath(path);
    }

    /** {@code ""} or a path starting with {@code /} without a trailing one. */
    static String normalizeBasePath(String path) {
        String p = path.trim();
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (!p.isEmpty() && !p.startsWith("/")) {
            throw new IllegalArgumentException("basePath: expected a path starting with '/' but was '" + path + "'");
        }
        if (p.contains("{") || p.contains("?") || p.contains("#")) {
            throw new IllegalArgumentException("basePath: expected a plain path but was '" + path + "'");
        }
        try {
            Decoding.decode(p, false);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("basePath: invalid percent-encoding in '" + path + "'", e);
        }
        return p;
    }
}
