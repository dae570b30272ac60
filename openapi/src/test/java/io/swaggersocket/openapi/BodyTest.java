package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;

class BodyTest {
    private final Petstore store = new Petstore();

    private Exchange create(String json) throws Exception {
        return create(store.handler(), Exchange.json(json));
    }

    private static Exchange create(OpenApiHandler handler, org.apache.hc.core5.http.HttpEntity entity) {
        ClassicRequestBuilder request = ClassicRequestBuilder.post("/api/v1/pets").addHeader("X-Request-Id", "0000beef");
        if (entity != null) {
            request.setEntity(entity);
        }
        return Exchange.run(handler, request.build());
    }

    @Test
    void validBodyIsBoundAndTheResultCarriesStatusAndHeaders() throws Exception {
        Exchange e = create("{\"name\":\"Tom\",\"tag\":null,\"status\":\"pending\",\"tags\":[\"cat\"]}");
        assertEquals(201, e.status());
        assertEquals("/api/v1/pets/2", e.header("Location"));
        assertEquals("application/json", e.contentType());
        assertEquals(Exchange.JSON.readTree("{\"id\":2,\"name\":\"Tom\",\"status\":\"pending\",\"tags\":[\"cat\"]}"),
                e.json());
        assertEquals("Tom", store.pets.get(2L).name());
    }

    @Test
    void jsonMediaTypesWithParametersAndSuffixesAreAccepted() throws Exception {
        byte[] body = "{\"name\":\"Tom\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(201, create(store.handler(), new ByteArrayEntity(body,
                ContentType.parse("application/json; charset=utf-8"))).status());
        assertEquals(201, create(store.handler(), new ByteArrayEntity(body,
                ContentType.parse("application/vnd.pet+json"))).status());
    }

    @Test
    void otherContentTypesAreUnsupported() throws Exception {
        byte[] body = "{\"name\":\"Tom\"}".getBytes(StandardCharsets.UTF_8);
        create(store.handler(), new ByteArrayEntity(body, ContentType.create("text/plain")))
                .assertProblem(415, "Content-Type 'text/plain' is not supported; expected one of [application/json]");
        create(store.handler(), new ByteArrayEntity(body, null))
                .assertProblem(415, "Content-Type is missing; expected one of [application/json]");
        Exchange zipped = Exchange.run(store.handler(), ClassicRequestBuilder.post("/api/v1/pets")
                .addHeader("X-Request-Id", "0000beef").addHeader("Content-Encoding", "gzip")
                .setEntity(Exchange.json("{}")).build());
        zipped.assertProblem(415, "Content-Encoding 'gzip' is not supported");
    }

    @Test
    void contentTypeHeaderWinsOverTheEntityType() throws Exception {
        Exchange e = Exchange.run(store.handler(), ClassicRequestBuilder.post("/api/v1/pets")
                .addHeader("X-Request-Id", "0000beef").addHeader("Content-Type", "text/csv")
                .setEntity(Exchange.json("{\"name\":\"Tom\"}")).build());
        e.assertProblem(415, "Content-Type 'text/csv' is not supported; expected one of [application/json]");
    }

    @Test
    void missingRequiredBodyIsABadRequest() throws Exception {
        create(store.handler(), null).assertProblem(400, "request body is required");
        create("").assertProblem(400, "request body is required");
        create("  \n").assertProblem(400, "request body is required");
    }

    @Test
    void malformedJsonIsABadRequest() throws Exception {
        create("{\"name\":").assertProblem(400, "body: invalid JSON at line 1, column 9: "
                + "Unexpected end-of-input within/between Object entries");
        create("{\"name\":\"Tom\"} {}").assertProblem(400, "body: invalid JSON at line 1, column 16: "
                + "Trailing token (of type START_OBJECT) found after value (bound as `com.fasterxml.jackson.databind.JsonNode`): "
                + "not allowed as per `DeserializationFeature.FAIL_ON_TRAILING_TOKENS`");
        create("{\"name\":\"Tom\",\"name\":\"Jerry\"}").assertProblem(400,
                "body: invalid JSON at line 1, column 21: Duplicate field 'name'");
    }

    @Test
    void schemaViolationsNameTheJsonPointer() throws Exception {
        create("{}").assertBodyProblem("body /name: required property is missing", "/name");
        create("{\"name\":\"\"}").assertBodyProblem("body /name: expected a length >= 1 but was 0", "/name");
        create("{\"name\":null}").assertBodyProblem("body /name: expected a string but was null", "/name");
        create("{\"name\":\"Tom\",\"status\":\"lost\"}").assertBodyProblem(
                "body /status: expected one of [available, pending, sold] but was \"lost\"", "/status");
        create("{\"name\":\"Tom\",\"color\":\"red\"}").assertBodyProblem("body /color: property is not allowed", "/color");
        create("{\"name\":\"Tom\",\"tags\":[\"a\",42]}").assertBodyProblem(
                "body /tags/1: expected a string but was 42", "/tags/1");
        create("{\"name\":\"Tom\",\"id\":\"7\"}").assertBodyProblem("body /id: expected an integer but was \"7\"", "/id");
        create("{\"name\":\"Tom\",\"id\":9223372036854775808}").assertBodyProblem(
                "body /id: expected an int64 but was 9223372036854775808", "/id");
        create("[]").assertBodyProblem("body: expected an object but was an array", "");
    }

    @Test
    void integralFloatsCountAsIntegers() throws Exception {
        assertEquals(201, create("{\"name\":\"Tom\",\"id\":7.0}").status());
        create("{\"name\":\"Tom\",\"id\":7.5}").assertBodyProblem("body /id: expected an integer but was 7.5", "/id");
    }

    @Test
    void bodiesOverTheLimitAreTooLarge() throws Exception {
        OpenApiHandler small = store.builder().maxBodyBytes(16).build();
        String json = "{\"name\":\"Tomasz Kowalski\"}";
        create(small, Exchange.json(json)).assertProblem(413, "request body exceeds 16 bytes");
        // unknown length: counted while reading
        create(small, new InputStreamEntity(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), -1,
                ContentType.APPLICATION_JSON)).assertProblem(413, "request body exceeds 16 bytes");
        assertEquals(201, create(small, Exchange.json("{\"name\":\"Tom\"}")).status());
    }

    @Test
    void bodyCanBeReadAsTreeTypeOrBytes() throws Exception {
        OpenApiHandler handler = OpenApiHandler.builder(Petstore.spec())
                .operation("createPet", call -> {
                    String fromStream = new String(call.bodyStream().readAllBytes(), StandardCharsets.UTF_8);
                    java.util.Map<String, Object> map = call.body(
                            new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, Object>>() { });
                    return call.body().get("name").asText() + "|" + map.get("name") + "|" + fromStream;
                })
                .build();
        assertEquals("\"Tom|Tom|{\\\"name\\\":\\\"Tom\\\"}\"", create(handler, Exchange.json("{\"name\":\"Tom\"}")).text());
    }

    @Test
    void bodyThatCannotBindToTheJavaTypeIsABadRequest() throws Exception {
        record Strict(int name) {
        }
        OpenApiHandler handler = OpenApiHandler.builder(Petstore.spec())
                .operation("createPet", call -> call.body(Strict.class))
                .build();
        Exchange e = create(handler, Exchange.json("{\"name\":\"Tom\"}"));
        assertEquals(400, e.status());
        assertEquals("body: Cannot deserialize value of type `int` from String \"Tom\": not a valid `int` value",
                e.json().get("detail").asText());
    }

    private static final String UPLOADS = "openapi: 3.0.3\n"
            + "info: {title: uploads, version: '1'}\n"
            + "paths:\n"
            + "  /blobs:\n"
            + "    put:\n"
            + "      operationId: putBlob\n"
            + "      requestBody:\n"
            + "        content:\n"
            + "          application/json: {schema: {type: object, required: [ref]}}\n"
            + "          application/octet-stream: {schema: {type: string, format: binary}}\n"
            + "          text/*: {}\n"
            + "      responses: {'200': {description: ok, content: {text/plain: {}}}}\n";

    private static Exchange upload(ContentType type, String body) {
        OpenApiHandler handler = OpenApiHandler.builder(UPLOADS)
                .operation("putBlob", call -> {
                    String kind;
                    try {
                        kind = call.body() == null ? "none" : "json " + call.body();
                    } catch (IllegalStateException e) {
                        kind = e.getMessage();
                    }
                    return kind + " | " + new String(call.bodyStream().readAllBytes(), StandardCharsets.UTF_8);
                })
                .build();
        ClassicRequestBuilder request = ClassicRequestBuilder.put("/blobs");
        if (body != null) {
            request.setEntity(new InputStreamEntity(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), -1,
                    type));
        }
        return Exchange.run(handler, request.build());
    }

    @Test
    void nonJsonBodiesStreamThroughUnread() throws Exception {
        Exchange e = upload(ContentType.APPLICATION_OCTET_STREAM, "raw bytes");
        assertEquals(200, e.status());
        assertEquals("\"operation 'putBlob' has a non-JSON body: use bodyStream() | raw bytes\"", e.text());
        assertEquals("\"operation 'putBlob' has a non-JSON body: use bodyStream() | a,b\"",
                upload(ContentType.create("text/csv"), "a,b").text());
        upload(ContentType.IMAGE_PNG, "x").assertProblem(415,
                "Content-Type 'image/png' is not supported; expected one of [application/json, application/octet-stream, text/*]");
    }

    @Test
    void optionalBodyMayBeAbsentAndJsonIsStillValidated() throws Exception {
        assertEquals("\"none | \"", upload(null, null).text());
        assertEquals("\"json {\\\"ref\\\":1} | {\\\"ref\\\":1}\"", upload(ContentType.APPLICATION_JSON, "{\"ref\":1}").text());
        upload(ContentType.APPLICATION_JSON, "{}").assertBodyProblem("body /ref: required property is missing", "/ref");
    }

    @Test
    void operationsWithoutRequestBodyIgnoreWhatIsSent() throws Exception {
        // generated apache-httpclient clients send an empty JSON entity with GETs
        Exchange e = Exchange.run(store.handler(), ClassicRequestBuilder.get("/api/v1/pets/1")
                .setEntity(new ByteArrayEntity(new byte[0], ContentType.APPLICATION_JSON)).build());
        assertEquals(200, e.status());
        assertNull(e.header("Allow"));
    }
}
