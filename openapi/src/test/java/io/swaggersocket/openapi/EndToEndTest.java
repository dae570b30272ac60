package io.swaggersocket.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.testing.MemoryPipe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The petstore served by the accepting end of a connection over the in-memory pipe, called by the dialer. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EndToEndTest {
    private final Petstore store = new Petstore();
    private SocketConnection acceptor;
    private SocketConnection dialer;

    @BeforeEach
    void connect() throws Exception {
        MemoryPipe pipe = new MemoryPipe();
        CompletableFuture<SocketConnection> accepted = SocketConnection.accept(pipe.b(), "id", null,
                ConnectionConfig.defaults(), store.handler());
        dialer = SocketConnection.dial(pipe.a(), null, ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
        acceptor = accepted.get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        dialer.shutdownNow();
        acceptor.shutdownNow();
    }

    @Test
    void getPet() throws Exception {
        try (ClassicHttpResponse response = dialer.execute(ClassicRequestBuilder.get("/api/v1/pets/1").build())) {
            assertEquals(200, response.getCode());
            assertEquals("application/json", response.getFirstHeader("Content-Type").getValue());
            assertEquals("{\"id\":1,\"name\":\"Rex\",\"status\":\"available\"}", EntityUtils.toString(response.getEntity()));
        }
    }

    @Test
    void createPetStreamsTheBodyAcrossAndValidatesIt() throws Exception {
        try (ClassicHttpResponse created = dialer.execute(ClassicRequestBuilder.post("/api/v1/pets")
                .addHeader("X-Request-Id", "cafe0001")
                .setEntity(new StringEntity("{\"name\":\"Tom\",\"tags\":[\"cat\"]}", ContentType.APPLICATION_JSON))
                .build())) {
            assertEquals(201, created.getCode());
            assertEquals("/api/v1/pets/2", created.getFirstHeader("Location").getValue());
            assertEquals("Tom", Exchange.JSON.readTree(EntityUtils.toString(created.getEntity())).get("name").asText());
        }
        try (ClassicHttpResponse invalid = dialer.execute(ClassicRequestBuilder.post("/api/v1/pets")
                .addHeader("X-Request-Id", "cafe0002")
                .setEntity(new StringEntity("{\"name\":\"Tom\",\"tags\":[42]}", ContentType.APPLICATION_JSON))
                .build())) {
            assertEquals(400, invalid.getCode());
            assertEquals("application/problem+json", invalid.getFirstHeader("Content-Type").getValue());
            JsonNode problem = Exchange.JSON.readTree(EntityUtils.toString(invalid.getEntity()));
            assertEquals("body /tags/0: expected a string but was 42", problem.get("detail").asText());
            assertEquals("/tags/0", problem.get("pointer").asText());
        }
    }

    @Test
    void headGetsTheHeadersWithoutTheBody() throws Exception {
        try (ClassicHttpResponse response = dialer.execute(ClassicRequestBuilder.head("/api/v1/pets/1").build())) {
            assertEquals(200, response.getCode());
            String getBody = "{\"id\":1,\"name\":\"Rex\",\"status\":\"available\"}";
            assertEquals(Integer.toString(getBody.length()), response.getFirstHeader("Content-Length").getValue());
            assertNull(response.getEntity());
        }
    }

    @Test
    void errorsAndDeletesCrossTheConnection() throws Exception {
        try (ClassicHttpResponse wrong = dialer.execute(ClassicRequestBuilder.patch("/api/v1/pets/1").build())) {
            assertEquals(405, wrong.getCode());
            assertEquals("DELETE, GET, HEAD, PUT", wrong.getFirstHeader("Allow").getValue());
            EntityUtils.consume(wrong.getEntity());
        }
        try (ClassicHttpResponse deleted = dialer.execute(ClassicRequestBuilder.delete("/api/v1/pets/1").build())) {
            assertEquals(204, deleted.getCode());
        }
        try (ClassicHttpResponse gone = dialer.execute(ClassicRequestBuilder.get("/api/v1/pets/1").build())) {
            assertEquals(404, gone.getCode());
            assertEquals("pet 1 not found",
                    Exchange.JSON.readTree(EntityUtils.toString(gone.getEntity())).get("detail").asText());
        }
    }
}
