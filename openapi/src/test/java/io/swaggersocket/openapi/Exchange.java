package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpCoreContext;

/** Calls a handler directly, the way a connection would, and reads what it answered. */
final class Exchange {
    static final ObjectMapper JSON = new ObjectMapper();

    final ClassicHttpResponse response;
    private byte[] body;

    private Exchange(ClassicHttpResponse response) {
        this.response = response;
    }

    static Exchange run(HttpRequestHandler handler, ClassicHttpRequest request) {
        BasicClassicHttpResponse response = new BasicClassicHttpResponse(200);
        try {
            handler.handle(request, response, HttpCoreContext.create());
        } catch (Exception e) {
            throw new AssertionError("the handler threw instead of answering", e);
        }
        return new Exchange(response);
    }

    static HttpEntity json(String text) {
        return new ByteArrayEntity(text.getBytes(StandardCharsets.UTF_8), ContentType.create("application/json"));
    }

    int status() {
        return response.getCode();
    }

    String header(String name) {
        return response.getFirstHeader(name) == null ? null : response.getFirstHeader(name).getValue();
    }

    String contentType() {
        return response.getEntity() == null ? null : response.getEntity().getContentType();
    }

    String text() {
        if (body == null) {
            HttpEntity entity = response.getEntity();
            try {
                body = entity == null ? null : EntityUtils.toByteArray(entity);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return body == null ? null : new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() {
        try {
            return JSON.readTree(text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts an RFC 7807 problem with this status and detail, and returns it. */
    JsonNode assertProblem(int status, String detail) {
        assertEquals(status, status(), () -> "status; body: " + text());
        assertEquals("application/problem+json", contentType());
        JsonNode problem = json();
        assertEquals("about:blank", problem.get("type").asText());
        assertNotNull(problem.get("title"));
        assertEquals(status, problem.get("status").asInt());
        assertEquals(detail, problem.get("detail").asText());
        return problem;
    }

    /** Asserts a problem about one parameter. */
    void assertParameterProblem(String detail, String parameter, String in) {
        ObjectNode expected = JSON.createObjectNode();
        expected.put("type", "about:blank");
        expected.put("title", "Bad Request");
        expected.put("status", 400);
        expected.put("detail", detail);
        expected.put("parameter", parameter);
        expected.put("in", in);
        assertProblem(400, detail);
        assertEquals(expected, json());
    }

    /** Asserts a problem about one body value. */
    void assertBodyProblem(String detail, String pointer) {
        JsonNode problem = assertProblem(400, detail);
        assertEquals(pointer, problem.path("pointer").asText(null), "pointer");
        assertEquals(5, problem.size(), () -> "fields: " + problem);
    }
}
