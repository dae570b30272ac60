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
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs a pinned subset of the official JSON-Schema-Test-Suite (src/test/resources/json-schema-test-suite,
 * its README names the commit) against our {@link JsonSchema} and against networknt's
 * json-schema-validator, counting passes per keyword for each. The totals go to standard output,
 * the table per keyword to {@code target/json-schema-test-suite.md}; BENCHMARKS.md quotes it.
 *
 * <p>The floors below are the counts measured when the subset was taken: a change that makes
 * either validator pass fewer cases fails the build instead of going unnoticed.
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
    private static final JsonMapper THEIRS_MAPPER = JsonMapper.builder().build();

    @Test
    void suiteSubsetAgainstBothValidators() throws IOException {
        StringBuilder table = new StringBuilder(
                "| draft | keyword | cases | ours | networknt 3.0.9 |\n| --- | --- | --- | --- | --- |\n");
        int[] draft4 = run("draft4", DRAFT4, "3.0.3", SpecificationVersion.DRAFT_4, table);
        int[] draft2020 = run("draft2020-12", DRAFT2020, "3.1.0", SpecificationVersion.DRAFT_2020_12, table);
        int cases = draft4[0] + draft2020[0];
        int ours = draft4[1] + draft2020[1];
        int theirs = draft4[2] + draft2020[2];
        table.append("| all | all | ").append(cases).append(" | ").append(ours).append(" | ").append(theirs)
                .append(" |\n");
        String summary = "JSON-Schema-Test-Suite subset: ours " + ours + "/" + cases + ", networknt " + theirs + "/"
                + cases;
        Path out = Path.of("target", "json-schema-test-suite.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, summary + "\n\n" + table);
        System.out.println(summary + " (per keyword: " + out + ")");
        assertTrue(cases >= 700, "the subset shrank: " + cases + " cases");
        assertTrue(ours >= OURS_FLOOR, summary);
        assertTrue(theirs >= THEIRS_FLOOR, summary);
    }

    private static final int OURS_FLOOR = 1027;
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
            tools.jackson.databind.JsonNode theirGroups = THEIRS_MAPPER.readTree(text);
            for (int g = 0; g < groups.size(); g++) {
                JsonNode group = groups.get(g);
                BiPredicate<JsonNode, Boolean> ours = ours(group.get("schema"), openapi);
                BiPredicate<tools.jackson.databind.JsonNode, Boolean> theirs =
                        theirs(registry, theirGroups.get(g).get("schema"));
                for (int t = 0; t < group.get("tests").size(); t++) {
                    JsonNode test = group.get("tests").get(t);
                    boolean valid = test.get("valid").booleanValue();
                    counts[0]++;
                    counts[1] += ours.test(test.get("data"), valid) ? 1 : 0;
                    counts[2] += theirs.test(theirGroups.get(g).get("tests").get(t).get("data"), valid) ? 1 : 0;
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
     * Our validator, as the handler builds it: the test's schema becomes the root of an OpenAPI
     * document (so its local {@code $ref}s resolve against it). A schema we refuse to compile
     * fails all its cases.
     */
    private static BiPredicate<JsonNode, Boolean> ours(JsonNode schema, String openapi) {
        JsonSchema compiled;
        try {
            if (schema.isObject()) {
                ObjectNode root = ((ObjectNode) schema.deepCopy()).put("openapi", openapi);
                Document document = Document.parse(OURS_MAPPER.writeValueAsString(root));
                compiled = new SchemaCompiler(document).compile(document.tree, "#");
            } else {
                compiled = new SchemaCompiler(Document.parse("{\"openapi\": \"" + openapi + "\"}"))
                        .compile(schema, "#");
            }
        } catch (RuntimeException | IOException e) {
            return (data, valid) -> false;
        }
        return (data, valid) -> {
            try {
                return compiled.accepts(data, "", '"') == valid;
            } catch (RuntimeException e) { // e.g. a stack overflow on a recursive ref counts as a failure
                return false;
            } catch (StackOverflowError e) {
                return false;
            }
        };
    }

    private static BiPredicate<tools.jackson.databind.JsonNode, Boolean> theirs(SchemaRegistry registry,
            tools.jackson.databind.JsonNode schema) {
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
