package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.junit.jupiter.api.Test;

class RoutingTest {
    private final Petstore store = new Petstore();

    private Exchange run(ClassicRequestBuilder request) throws Exception {
        return Exchange.run(store.handler(), request.build());
    }

    @Test
    void templatedPathMatchesAndConvertsTheVariable() throws Exception {
        Exchange e = run(ClassicRequestBuilder.get("/api/v1/pets/1"));
        assertEquals(200, e.status());
        assertEquals("application/json", e.contentType());
        assertEquals(Exchange.JSON.readTree("{\"id\":1,\"name\":\"Rex\",\"status\":\"available\"}"), e.json());
    }

    @Test
    void theVariableReachesTheOperationAsALong() throws Exception {
        OpenApiHandler handler = OpenApiHandler.builder(Petstore.spec())
                .operation("getPet", call -> call.pathParam("petId").getClass().getSimpleName() + " "
                        + call.pathParam("petId"))
                .build();
        assertEquals("\"Long 42\"", Exchange.run(handler, ClassicRequestBuilder.get("/api/v1/pets/42").build()).text());
    }

    @Test
    void literalSegmentWinsOverTemplatedOne() throws Exception {
        Exchange e = run(ClassicRequestBuilder.get("/api/v1/pets/mine"));
        assertEquals(200, e.status());
        assertEquals("Mine", e.json().get(0).get("name").asText());
    }

    @Test
    void segmentsArePercentDecodedBeforeMatching() throws Exception {
        assertEquals("Rex", run(ClassicRequestBuilder.get("/api/v1/pets/%31")).json().get("name").asText());
        assertEquals("Mine", run(ClassicRequestBuilder.get("/api/%761/pets/mi%6Ee")).json().get(0).get("name").asText());
    }

    @Test
    void encodedSlashStaysInsideItsSegment() throws Exception {
        run(ClassicRequestBuilder.get("/api/v1/pets/1%2F2")).assertParameterProblem(
                "path parameter 'petId': expected an integer but was '1/2'", "petId", "path");
    }

    @Test
    void invalidPercentEncodingIsABadRequest() throws Exception {
        Exchange.run(store.handler(), new BasicClassicHttpRequest("GET", "/api/v1/pets/%zz")).assertProblem(400,
                "path '/api/v1/pets/%zz' has an invalid percent-encoding");
        Exchange.run(store.handler(), new BasicClassicHttpRequest("GET", "/api/v1/pets/%C3")).assertProblem(400,
                "path '/api/v1/pets/%C3' has an invalid percent-encoding");
    }

    @Test
    void trailingSlashIsSignificant() throws Exception {
        run(ClassicRequestBuilder.get("/api/v1/pets/")).assertProblem(404, "no operation at '/api/v1/pets/'");
        run(ClassicRequestBuilder.get("/api/v1/pets/1/")).assertProblem(404, "no operation at '/api/v1/pets/1/'");
        assertEquals(200, run(ClassicRequestBuilder.get("/api/v1/pets")).status());
    }

    @Test
    void unknownPathsAndPathsOutsideTheBasePathAreNotFound() throws Exception {
        Exchange e = run(ClassicRequestBuilder.get("/api/v1/owners"));
        assertEquals(Exchange.JSON.readTree("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                + "\"detail\":\"no operation at '/api/v1/owners'\"}"), e.json());
        run(ClassicRequestBuilder.get("/pets/1")).assertProblem(404, "no operation at '/pets/1'");
        run(ClassicRequestBuilder.get("/api/v1")).assertProblem(404, "no operation at '/api/v1'");
        run(ClassicRequestBuilder.get("/api/v1/pets/1/toys")).assertProblem(404, "no operation at '/api/v1/pets/1/toys'");
    }

    @Test
    void knownPathWithAnotherMethodIsNotAllowed() throws Exception {
        Exchange e = run(ClassicRequestBuilder.patch("/api/v1/pets/1"));
        e.assertProblem(405, "method PATCH is not allowed on '/pets/{petId}'; allowed: DELETE, GET, HEAD, PUT");
        assertEquals("DELETE, GET, HEAD, PUT", e.header("Allow"));

        Exchange mine = run(ClassicRequestBuilder.post("/api/v1/pets/mine"));
        mine.assertProblem(405, "method POST is not allowed on '/pets/mine'; allowed: GET, HEAD");
        assertEquals("GET, HEAD", mine.header("Allow"));

        assertEquals("GET, HEAD, POST", run(ClassicRequestBuilder.delete("/api/v1/pets")).header("Allow"));
    }

    @Test
    void methodsAreMatchedIgnoringCase() throws Exception {
        assertEquals(200, run(ClassicRequestBuilder.create("get").setUri("/api/v1/pets/1")).status());
    }

    @Test
    void headRunsTheGetOperationAndKeepsItsHeaders() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        OpenApiHandler handler = OpenApiHandler.builder(Petstore.spec())
                .operation("getPet", call -> {
                    calls.incrementAndGet();
                    return OperationResult.status(200).header("ETag", "\"v1\"").body(new Petstore.Pet(1L, "Rex", null,
                            null, null));
                })
                .build();
        Exchange head = Exchange.run(handler, ClassicRequestBuilder.head("/api/v1/pets/1").build());
        assertEquals(200, head.status());
        assertEquals("\"v1\"", head.header("ETag"));
        assertEquals("application/json", head.contentType());
        assertEquals(1, calls.get());
        // the entity stays for the transport to describe (Content-Length) and drop, as for any HEAD
        assertEquals("{\"id\":1,\"name\":\"Rex\"}", head.text());
    }

    @Test
    void headOnAPathWithoutGetIsNotAllowed() throws Exception {
        String spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /jobs:\n    post:\n"
                + "      operationId: startJob\n      responses: {'202': {description: started}}\n";
        OpenApiHandler handler = OpenApiHandler.builder(spec).operation("startJob", call -> null).build();
        Exchange e = Exchange.run(handler, ClassicRequestBuilder.head("/jobs").build());
        assertEquals(405, e.status());
        assertEquals("POST", e.header("Allow"));
        Exchange started = Exchange.run(handler, ClassicRequestBuilder.post("/jobs").build());
        assertEquals(202, started.status());
        assertNull(started.response.getEntity());
    }

    @Test
    void mixedSegmentsMatchAroundTheirLiterals() throws Exception {
        String spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n"
                + "  /files/{name}.json:\n    get:\n      operationId: jsonFile\n      parameters:\n"
                + "        - {name: name, in: path, required: true, schema: {type: string}}\n"
                + "      responses: {'200': {description: ok}}\n"
                + "  /files/{name}:\n    get:\n      operationId: anyFile\n      parameters:\n"
                + "        - {name: name, in: path, required: true, schema: {type: string}}\n"
                + "      responses: {'200': {description: ok}}\n";
        OpenApiHandler handler = OpenApiHandler.builder(spec)
                .operation("jsonFile", call -> "json " + call.pathParam("name"))
                .operation("anyFile", call -> "any " + call.pathParam("name"))
                .build();
        assertEquals("\"json report.v2\"", Exchange.run(handler, ClassicRequestBuilder.get("/files/report.v2.json").build())
                .text());
        assertEquals("\"any report.xml\"", Exchange.run(handler, ClassicRequestBuilder.get("/files/report.xml").build())
                .text());
        assertEquals("\"any .json\"", Exchange.run(handler, ClassicRequestBuilder.get("/files/.json").build()).text());
    }

    @Test
    void withoutServersThereIsNoBasePath() throws Exception {
        String spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /:\n    get:\n"
                + "      operationId: root\n      responses: {'200': {description: ok}}\n";
        OpenApiHandler handler = OpenApiHandler.builder(spec).operation("root", call -> "root").build();
        assertEquals("", handler.basePath());
        assertEquals("\"root\"", Exchange.run(handler, ClassicRequestBuilder.get("/").build()).text());
        Exchange.run(handler, new BasicClassicHttpRequest("OPTIONS", "*")).assertProblem(404, "no operation at '*'");
    }
}
