package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.Test;

/**
 * Runs a pinned subset of the official JSON-Schema-Test-Suite (src/test/resources/json-schema-test-suite,
 * its README names the commit) against the handler's validator ({@link SchemaValidator}: networknt
 * 2.0.8 with the OpenAPI 3.0 / 3.1 dialect, as the handler builds it) and against networknt 2.0.8
 * with the plain draft4 / draft2020-12 dialect, counting passes per keyword for each. The totals go
 * to standard output, the table per keyword to {@code target/json-schema-test-suite.md};
 * BENCHMARKS.md quotes it. (The hand-written validator this replaced passed 1027 of the 1148 cases,
 * networknt 3.0.9 all of them.)
 *
 * <p>The floors below are the counts measured: a change that makes either pass fewer cases fails
 * the build instead of going unnoticed.
 */
class SchemaSuiteTest {
    private static final List<String> DRAFT4 = List.of("type", "enum", "minimum", "maximum", "multipleOf",
            "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "items", "properties",
            "required", "additionalProperties", "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not",
            "ref");
    private static final List<String> DRAFT2020 = concat(DRAFT4,
            List.of("const", "exclusiveMinimum", "exclusiveMaximum", "boolean_schema"));

    /** Reads numbers as the handler's body reader does: decimals exactly. */
    private static final ObjectMapper OURS_MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    @Test
    void suiteSubsetAgainstBothValidators() throws IOException {
        StringBuilder table = new StringBuilder(
                "| draft | keyword | cases | handler (OpenAPI dialect) | networknt 2.0.8 (JSON Schema dialect) |\n"
                        + "| --- | --- | --- | --- | --- |\n");
        int[] draft4 = run("draft4", DRAFT4, "3.0.3", SpecificationVersion.DRAFT_4, table);
        int[] draft2020 = run("draft2020-12", DRAFT2020, "3.1.0", SpecificationVersion.DRAFT_2020_12, table);
        int cases = draft4[0] + draft2020[0];
        int ours = draft4[1] + draft2020[1];
        int theirs = draft4[2] + draft2020[2];
        table.append("| all | all | ").append(cases).append(" | ").append(ours).append(" | ").append(theirs)
                .append(" |\n");
        String summary = "JSON-Schema-Test-Suite subset: handler " + ours + "/" + cases + ", networknt 2.0.8 " + theirs
                + "/" + cases;
        Path out = Path.of("target", "json-schema-test-suite.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, summary + "\n\n" + table);
        System.out.println(summary + " (per keyword: " + out + ")");
        assertTrue(cases >= 700, "the subset shrank: " + cases + " cases");
        assertTrue(ours >= OURS_FLOOR, summary);
        assertTrue(theirs >= THEIRS_FLOOR, summary);
    }

    private static final int OURS_FLOOR = 1136;
    private static final int THEIRS_FLOOR = 1148;

    /** Returns {cases, ours passed, networknt passed} for one draft, adding a row per keyword. */
    private static int[] run(String draft, List<String> keywords, String openapi, SpecificationVersion version,
            StringBuilder table) throws IOException {
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(version);
        int[] total = new int[3];
        for (String keyword : keywords) {
            String text = resource("/json-schema-test-suite/" + draft + "/" + keyword + ".json");
            int[] counts = new int[3];
            JsonNode groups = OURS_MAPPER.readTree(text);
            for (int g = 0; g < groups.size(); g++) {
                JsonNode group = groups.get(g);
                BiPredicate<JsonNode, Boolean> ours = ours(group.get("schema"), openapi);
                BiPredicate<JsonNode, Boolean> theirs = theirs(registry, group.get("schema"));
                for (int t = 0; t < group.get("tests").size(); t++) {
                    JsonNode test = group.get("tests").get(t);
                    boolean valid = test.get("valid").booleanValue();
                    counts[0]++;
                    counts[1] += ours.test(test.get("data"), valid) ? 1 : 0;
                    counts[2] += theirs.test(test.get("data"), valid) ? 1 : 0;
                }
            }
            table.append("| ").append(draft).append(" | ").append(keyword).append(" | ").append(counts[0])
                    .append(" | ").append(counts[1]).append(" | ").append(counts[2]).append(" |\n");
            for (int i = 0; i < 3; i++) {
                total[i] += counts[i];
            }
        }
        return total;
    }

    /**
     * The handler's validator, as the handler builds it: the test's schema becomes the root of an
     * OpenAPI document (so its local {@code $ref}s resolve against it). A schema it refuses fails
     * all its cases.
     */
    private static BiPredicate<JsonNode, Boolean> ours(JsonNode schema, String openapi) {
        SchemaValidator.Check compiled;
        try {
            ObjectNode root = schema.isObject() ? (ObjectNode) schema.deepCopy()
                    : OURS_MAPPER.createObjectNode().set("not", schema.booleanValue()
                            ? OURS_MAPPER.createObjectNode().set("not", OURS_MAPPER.createObjectNode())
                            : OURS_MAPPER.createObjectNode()); // a boolean schema as its object equivalent
            root.put("openapi", openapi);
            Document document = Document.parse(OURS_MAPPER.writeValueAsString(root));
            compiled = new SchemaValidator(document).compile(document.tree, "#", '"');
        } catch (RuntimeException | IOException e) {
            return (data, valid) -> false;
        }
        return (data, valid) -> {
            try {
                compiled.validate(data);
                return valid;
            } catch (Invalid e) {
                return !valid;
            } catch (RuntimeException e) {
                return false;
            }
        };
    }

    private static BiPredicate<JsonNode, Boolean> theirs(SchemaRegistry registry, JsonNode schema) {
        Schema compiled;
        try {
            compiled = registry.getSchema(schema);
        } catch (RuntimeException e) {
            return (data, valid) -> false;
        }
        return (data, valid) -> {
            try {
                return compiled.validate(data).isEmpty() == valid;
            } catch (RuntimeException e) {
                return false;
            }
        };
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = SchemaSuiteTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
