package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.core.util.Yaml;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;

class DocumentEndpointTest {

    @Test
    void documentIsServedAsJsonAndYamlUnderTheBasePath() throws Exception {
        OpenApiHandler handler = new Petstore().handler();
        Exchange json = Exchange.run(handler, ClassicRequestBuilder.get("/api/v1/openapi.json").build());
        assertEquals(200, json.status());
        assertEquals("application/json", json.contentType());
        JsonNode doc = json.json();
        assertEquals("3.0.3", doc.get("openapi").asText());
        assertEquals("getPet", doc.at("/paths/~1pets~1{petId}/get/operationId").asText());
        assertTrue(json.text().contains("\n  \"info\""), "pretty printed");

        Exchange yaml = Exchange.run(handler, ClassicRequestBuilder.get("/api/v1/openapi.yaml").build());
        assertEquals(200, yaml.status());
        assertEquals("application/yaml", yaml.contentType());
        assertTrue(yaml.text().startsWith("openapi: 3.0.3\n"), yaml.text());
        assertEquals(doc, Exchange.JSON.valueToTree(Yaml.mapper().readTree(yaml.text())));
    }

    @Test
    void documentRoutesAnswerOnlyGetAndHead() throws Exception {
        OpenApiHandler handler = new Petstore().handler();
        Exchange post = Exchange.run(handler, ClassicRequestBuilder.post("/api/v1/openapi.json").build());
        post.assertProblem(405, "method POST is not allowed on '/openapi.json'; allowed: GET, HEAD");
        assertEquals(200, Exchange.run(handler, ClassicRequestBuilder.head("/api/v1/openapi.yaml").build()).status());
        Exchange.run(handler, ClassicRequestBuilder.get("/openapi.json").build())
                .assertProblem(404, "no operation at '/openapi.json'");
        Exchange.run(handler, ClassicRequestBuilder.get("/api/v1/openapi.json").addHeader("Accept", "text/html").build())
                .assertProblem(406, "Accept 'text/html' matches none of [application/json]");
    }

    @Test
    void documentIsServedAsWrittenSoUntypedSchemasStayUntyped() throws Exception {
        // swagger-core's 3.0 model would turn {} into {type: object} (swagger-core issue 4014)
        String spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
                + "components: {schemas: {Anything: {}, NotText: {not: {type: string}}}}\n";
        OpenApiHandler handler = OpenApiHandler.builder(spec).build();
        JsonNode doc = Exchange.run(handler, ClassicRequestBuilder.get("/openapi.json").build()).json();
        assertEquals("{}", doc.at("/components/schemas/Anything").toString());
        assertEquals("{\"not\":{\"type\":\"string\"}}", doc.at("/components/schemas/NotText").toString());
    }

    @Test
    void documentThatDeclaresThePathServesItItself() throws Exception {
        String spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /openapi.json:\n    get:\n"
                + "      operationId: spec\n      responses: {'200': {description: ok}}\n";
        OpenApiHandler handler = OpenApiHandler.builder(spec).operation("spec", call -> "mine").build();
        assertEquals("\"mine\"", Exchange.run(handler, ClassicRequestBuilder.get("/openapi.json").build()).text());
        assertEquals("application/yaml",
                Exchange.run(handler, ClassicRequestBuilder.get("/openapi.yaml").build()).contentType());
    }
}
