package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;

class ResultTest {
    private final Petstore store = new Petstore();

    private static Exchange get(OpenApiHandler handler, String path, String... headers) {
        ClassicRequestBuilder request = ClassicRequestBuilder.get(path);
        for (int i = 0; i < headers.length; i += 2) {
            request.addHeader(headers[i], headers[i + 1]);
        }
        return Exchange.run(handler, request.build());
    }

    private static OpenApiHandler getPet(Operation impl) throws Exception {
        return OpenApiHandler.builder(Petstore.spec()).operation("getPet", impl).build();
    }

    @Test
    void nullForAResponseWithoutContentIsItsStatusWithoutBody() throws Exception {
        Exchange e = Exchange.run(store.handler(), ClassicRequestBuilder.delete("/api/v1/pets/1").build());
        assertEquals(204, e.status());
        assertNull(e.response.getEntity());
        assertTrue(store.pets.isEmpty());
    }

    @Test
    void nullForAResponseWithContentIsJsonNull() throws Exception {
        Exchange e = get(getPet(call -> null), "/api/v1/pets/1");
        assertEquals(200, e.status());
        assertEquals("null", e.text());
    }

    @Test
    void nullWithoutAnyDeclaredSuccessIsNoContent() throws Exception {
        String spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /ping:\n    get:\n"
                + "      operationId: ping\n      responses: {default: {description: error}}\n";
        OpenApiHandler handler = OpenApiHandler.builder(spec).operation("ping", call -> null).build();
        assertEquals(204, get(handler, "/ping").status());
        OpenApiHandler answering = OpenApiHandler.builder(spec).operation("ping", call -> Map.of("pong", true)).build();
        Exchange e = get(answering, "/ping");
        assertEquals(200, e.status());
        assertEquals("{\"pong\":true}", e.text());
    }

    @Test
    void entitiesAreSentAsTheyAre() throws Exception {
        StringEntity raw = new StringEntity("raw", ContentType.TEXT_PLAIN);
        Exchange e = get(getPet(call -> raw), "/api/v1/pets/1");
        assertEquals(200, e.status());
        assertSame(raw, e.response.getEntity());
        Exchange explicit = get(getPet(call -> OperationResult.status(203).body(raw)), "/api/v1/pets/1");
        assertEquals(203, explicit.status());
        assertSame(raw, explicit.response.getEntity());
    }

    @Test
    void contentTypeHeaderOfAResultReplacesJson() throws Exception {
        Exchange e = get(getPet(call -> OperationResult.status(200).header("Content-Type", "application/vnd.pet+json")
                .body(Map.of("id", 1))), "/api/v1/pets/1");
        assertEquals("application/vnd.pet+json", e.contentType());
        assertEquals("application/vnd.pet+json", e.header("Content-Type"));
        assertEquals("{\"id\":1}", e.text());
    }

    @Test
    void javaTimeIsWrittenAsIsoStringsByDefault() throws Exception {
        assertEquals("{\"born\":\"2020-02-29\"}",
                get(getPet(call -> Map.of("born", LocalDate.of(2020, 2, 29))), "/api/v1/pets/1").text());
    }

    @Test
    void apiExceptionBecomesItsProblem() throws Exception {
        Exchange e = get(store.handler(), "/api/v1/pets/99");
        assertEquals(Exchange.JSON.readTree("{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
                + "\"detail\":\"pet 99 not found\"}"), e.json());
        assertEquals("application/problem+json", e.contentType());
    }

    @Test
    void otherExceptionsAreA500WithAGenericDetailAndAreLogged() throws Exception {
        IllegalStateException bug = new IllegalStateException("secret database password in message");
        try (CapturedLog log = new CapturedLog()) {
            get(getPet(call -> {
                throw bug;
            }), "/api/v1/pets/1").assertProblem(500, "operation 'getPet' failed");
            assertEquals(1, log.records.size());
            assertEquals(Level.WARNING, log.records.get(0).getLevel());
            assertSame(bug, log.records.get(0).getThrown());
        }
    }

    @Test
    void aBodyForAStatusThatCannotHaveOneIsABug() throws Exception {
        OpenApiHandler handler = OpenApiHandler.builder(Petstore.spec()).operation("deletePet", call -> "gone").build();
        try (CapturedLog log = new CapturedLog()) {
            Exchange.run(handler, ClassicRequestBuilder.delete("/api/v1/pets/1").build())
                    .assertProblem(500, "operation 'deletePet' failed");
            assertEquals(Level.WARNING, log.records.get(0).getLevel());
        }
    }

    @Test
    void aResultTheMapperCannotWriteIsABug() throws Exception {
        Object unwritable = new Object() {
            @SuppressWarnings("unused")
            public Object getSelf() {
                return this;
            }
        };
        try (CapturedLog log = new CapturedLog()) {
            get(getPet(call -> unwritable), "/api/v1/pets/1").assertProblem(500, "operation 'getPet' failed");
            assertEquals(1, log.records.size());
        }
    }

    @Test
    void theGivenMapperWritesResults() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper snake = new com.fasterxml.jackson.databind.ObjectMapper()
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE);
        record Owner(String firstName) {
        }
        OpenApiHandler handler = OpenApiHandler.builder(Petstore.spec()).objectMapper(snake)
                .operation("getPet", call -> new Owner("Ann")).build();
        assertEquals("{\"first_name\":\"Ann\"}", get(handler, "/api/v1/pets/1").text());
    }

    @Test
    void unimplementedOperationsAnswer501BeforeAnyCheck() throws Exception {
        Exchange e = Exchange.run(store.handler(), ClassicRequestBuilder.put("/api/v1/pets/abc").build());
        e.assertProblem(501, "operation 'updatePet' is not implemented");
        assertEquals("Not Implemented", e.json().get("title").asText());
    }

    @Test
    void acceptMustAllowTheDeclaredMediaType() throws Exception {
        OpenApiHandler handler = store.handler();
        get(handler, "/api/v1/pets/1", "Accept", "text/html").assertProblem(406,
                "Accept 'text/html' matches none of [application/json]");
        get(handler, "/api/v1/pets/1", "Accept", "application/json;q=0, */*").assertProblem(406,
                "Accept 'application/json;q=0, */*' matches none of [application/json]");
        for (String accept : List.of("*/*", "application/*", "application/json", "text/html, application/json;q=0.5",
                "garbage")) {
            assertEquals(200, get(handler, "/api/v1/pets/1", "Accept", accept).status(), accept);
        }
        assertEquals(200, get(handler, "/api/v1/pets/1").status());
        // nothing to negotiate for a response without content
        assertEquals(204, Exchange.run(handler, ClassicRequestBuilder.delete("/api/v1/pets/1")
                .addHeader("Accept", "text/html").build()).status());
    }

    @Test
    void theDeclaredJsonTypeIsAnsweredWhenAccepted() throws Exception {
        String spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /thing:\n    get:\n"
                + "      operationId: thing\n      responses:\n        '200':\n          description: ok\n"
                + "          content: {application/vnd.thing.v2+json: {}, application/json: {}}\n";
        OpenApiHandler handler = OpenApiHandler.builder(spec).operation("thing", call -> Map.of("a", 1)).build();
        assertEquals("application/vnd.thing.v2+json", get(handler, "/thing").contentType());
        assertEquals("application/json", get(handler, "/thing", "Accept", "application/json").contentType());
    }

    @Test
    void resultsAndExceptionsValidateTheirArguments() {
        assertEquals("status: 99 is out of range [100, 599]",
                assertThrows(IllegalArgumentException.class, () -> OperationResult.status(99)).getMessage());
        assertEquals("status: 200 is out of range [400, 599]",
                assertThrows(IllegalArgumentException.class, () -> new ApiException(200, "fine")).getMessage());
        assertEquals("header X-A: value contains CR or LF", assertThrows(IllegalArgumentException.class,
                () -> OperationResult.status(200).header("X-A", "a\r\nSet-Cookie: x")).getMessage());
        assertEquals("header name: 'X A' is not a valid token", assertThrows(IllegalArgumentException.class,
                () -> OperationResult.status(200).header("X A", "a")).getMessage());
        OperationResult base = OperationResult.status(201);
        OperationResult more = base.header("A", "1").body("x");
        assertEquals(List.of(), base.headers());
        assertNull(base.body());
        assertEquals("x", more.body());
        assertEquals(201, more.status());
    }
}
