package io.swaggersocket.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.ExecutionConfig;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.path.PathType;
import java.io.UncheckedIOException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates values against Schema Objects of one OpenAPI document with networknt's
 * json-schema-validator (its OpenAPI 3.0 or 3.1 dialect), which passes the whole
 * JSON-Schema-Test-Suite subset our hand-written validator failed 121 cases of (BENCHMARKS.md).
 *
 * <p>The document is registered under {@link #BASE}, and each schema is loaded by its location
 * in it, so {@code $ref}s to components resolve as the document means them. Formats are
 * asserted, with {@code int32} / {@code int64} added ({@link IntegerFormat}). Requests are
 * validated as requests: a required readOnly property may be missing and is refused when sent;
 * writeOnly ones are allowed. Nothing is ever fetched: the document is the only resource. Built
 * while the handler is built; afterwards read-only and shared by all calls (networknt's
 * {@link Schema} is thread-safe once loaded).
 */
final class SchemaValidator {
    /** The id the document is registered under: never fetched, only a name to resolve {@code $ref}s against. */
    static final String BASE = "https://swaggersocket.invalid/openapi.json";
    private static final ExecutionConfig REQUEST = ExecutionConfig.builder()
            .readOnly(true) // validating what a client sends: readOnly properties are not expected
            .writeOnly(false)
            .formatAssertionsEnabled(true)
            .build();

    /**
     * Digits beyond which a number is refused before networknt sees it: networknt would expand
     * {@code 1e999999999} into a BigInteger (and throw) when a mapper reads floats as BigDecimals.
     */
    static final int MAX_DIGITS = 1000;

    private final JsonNode tree;
    private final SchemaRegistry registry;
    /** Where each node of the document is, by identity: schemas are handed over as nodes of the tree. */
    private final Map<JsonNode, String> pointers = new IdentityHashMap<>();

    SchemaValidator(Document document) {
        this.tree = document.tree;
        String json;
        try {
            json = new ObjectMapper().writeValueAsString(withSchemaRefsInMappings(document.tree));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // a tree read from text always serialises
        }
        Dialect base = document.v31 ? Dialects.getOpenApi31() : Dialects.getOpenApi30();
        Dialect dialect = Dialect.builder(base).formats(IntegerFormat.BOTH).build();
        SchemaRegistryConfig config = SchemaRegistryConfig.builder()
                .pathType(PathType.JSON_POINTER)
                .formatAssertionsEnabled(true)
                .losslessNarrowing(true) // 7.0 is an integer, as JSON Schema says
                .build();
        this.registry = SchemaRegistry.withDefaultDialect(dialect, builder -> builder
                .schemaRegistryConfig(config)
                .schemaLoader(loader -> loader.fetchRemoteResources(false)) // a document must not make us dial out
                .schemas(Map.of(BASE, json)));
        index(document.tree, "");
    }

    private void index(JsonNode node, String pointer) {
        pointers.put(node, pointer);
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                index(field.getValue(), pointer + "/" + JsonSchema.escape(field.getKey()));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                index(node.get(i), pointer + "/" + i);
            }
        }
    }

    /**
     * The validator for {@code node}, a schema inside the document ({@code null} or missing:
     * everything is valid).
     *
     * @param where names the schema in errors
     * @throws IllegalArgumentException when networknt refuses the schema (an unresolved
     *         {@code $ref}, an invalid pattern, ...)
     */
    Check compile(JsonNode node, String where, char quote) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return value -> checkDigits(value, "", quote);
        }
        String pointer = pointers.get(node);
        if (pointer == null) {
            throw new IllegalStateException(where + ": the schema is not a node of the document");
        }
        Schema schema;
        try {
            schema = registry.getSchema(SchemaLocation.of(BASE + "#" + pointer));
            schema.initializeValidators(); // resolves every $ref now: a bad document fails the build, not a call
        } catch (SchemaException | IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(where + ": invalid schema: " + e.getMessage(), e);
        }
        return value -> {
            checkDigits(value, "", quote);
            List<Error> errors = schema.validate(value, context -> context.setExecutionConfig(REQUEST));
            if (!errors.isEmpty()) {
                throw ValidationErrors.first(errors, tree, quote);
            }
        };
    }

    /** Refuses numbers with more than {@link #MAX_DIGITS} digits before or after the point, at their pointer. */
    private static void checkDigits(JsonNode value, String pointer, char quote) throws Invalid {
        if (value.isBigDecimal()) {
            java.math.BigDecimal d = value.decimalValue();
            if (Math.abs((long) d.precision() - d.scale()) > MAX_DIGITS || Math.abs(d.scale()) > MAX_DIGITS) {
                throw new Invalid(pointer, "expected a number of at most " + MAX_DIGITS + " digits but was "
                        + JsonSchema.show(value, quote));
            }
        } else if (value.isContainerNode()) {
            for (Map.Entry<String, JsonNode> field : value.properties()) {
                checkDigits(field.getValue(), pointer + "/" + JsonSchema.escape(field.getKey()), quote);
            }
            for (int i = 0; value.isArray() && i < value.size(); i++) {
                checkDigits(value.get(i), pointer + "/" + i, quote);
            }
        }
    }

    /**
     * A copy of the document where each discriminator mapping value that is a bare schema name
     * ({@code Cat}, which OpenAPI allows) is the {@code $ref} it stands for, which is all networknt
     * resolves. Pointers into the copy are those into the original.
     */
    private static JsonNode withSchemaRefsInMappings(JsonNode document) {
        JsonNode copy = document.deepCopy();
        rewriteMappings(copy);
        return copy;
    }

    private static void rewriteMappings(JsonNode node) {
        JsonNode mapping = node.path("discriminator").path("mapping");
        if (mapping.isObject()) {
            ObjectNode m = (ObjectNode) mapping;
            List<String> names = new java.util.ArrayList<>();
            m.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String v = m.get(name).asText();
                if (!v.startsWith("#") && !v.contains("/") && !v.contains(".")) {
                    m.put(name, "#/components/schemas/" + v);
                }
            }
        }
        node.forEach(SchemaValidator::rewriteMappings);
        if (node.isObject()) {
            enforceDiscriminator((ObjectNode) node);
        }
    }

    /**
     * networknt counts a body that fits any oneOf/anyOf alternative, whatever its discriminator
     * says ({"kind":"dog"} that happens to fit Cat passes). OpenAPI means the discriminator to pick
     * the schema, so for each value it maps (or, without a mapping, each alternative's schema name)
     * the schema gets the constraint "if the property is that value, the body matches that schema",
     * written as {@code anyOf: [{not: {required: [p], properties: {p: {enum: [v]}}}}, {$ref: r}]}
     * (no if/then in OpenAPI 3.0) and added under {@code allOf}. Only where the discriminator sits
     * beside oneOf or anyOf: the inheritance style (subschemas that allOf the parent) would recurse.
     */
    private static void enforceDiscriminator(ObjectNode schema) {
        String property = schema.path("discriminator").path("propertyName").asText("");
        JsonNode alternatives = schema.has("oneOf") ? schema.get("oneOf") : schema.get("anyOf");
        if (property.isEmpty() || alternatives == null || !alternatives.isArray()) {
            return;
        }
        java.util.Map<String, String> byValue = new java.util.LinkedHashMap<>();
        schema.path("discriminator").path("mapping").fields()
                .forEachRemaining(e -> byValue.put(e.getKey(), e.getValue().asText()));
        for (JsonNode alternative : alternatives) {
            String ref = alternative.path("$ref").asText("");
            if (ref.startsWith("#/components/schemas/") && !byValue.containsValue(ref)) {
                byValue.put(ref.substring("#/components/schemas/".length()), ref); // implicit: the schema's name
            }
        }
        if (byValue.isEmpty()) {
            return;
        }
        com.fasterxml.jackson.databind.node.ArrayNode allOf = schema.has("allOf") && schema.get("allOf").isArray()
                ? (com.fasterxml.jackson.databind.node.ArrayNode) schema.get("allOf") : schema.putArray("allOf");
        com.fasterxml.jackson.databind.node.JsonNodeFactory f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        byValue.forEach((value, ref) -> {
            ObjectNode isValue = f.objectNode();
            isValue.putArray("required").add(property);
            isValue.putObject("properties").putObject(property).putArray("enum").add(value);
            ObjectNode rule = f.objectNode();
            com.fasterxml.jackson.databind.node.ArrayNode either = rule.putArray("anyOf");
            either.addObject().set("not", isValue);
            either.addObject().put("$ref", ref);
            allOf.add(rule);
        });
    }

    /** A compiled schema. */
    @FunctionalInterface
    interface Check {
        /**
         * Checks {@code value}.
         *
         * @throws Invalid naming the JSON pointer (relative to {@code value}) of the first error
         */
        void validate(JsonNode value) throws Invalid;
    }
}
