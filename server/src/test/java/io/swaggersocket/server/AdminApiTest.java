package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.mux.ConnectionConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The admin API: /connections, /connections/{id}, /healthz, /metrics, behind bearer tokens. */
@Timeout(60)
class AdminApiTest {
    private static final String TOKEN = "admin-test-token-1";

    private Dialer dialer;
    private SocketServer server;
    private final EventLog events = new EventLog();

    @BeforeEach
    void start() throws Exception {
        dialer = new Dialer();
        server = SocketServer.builder().bind("127.0.0.1", 0).authenticator(BearerTokens.of("other-token", TOKEN))
                .ingress(true).adminApi(true).build();
        server.addListener(events);
        server.start();
    }

    @AfterEach
    void stop() {
        dialer.close();
        server.close();
    }

    private Dialer.Dialed agent(ObjectNode metadata) throws Exception {
        Dialer.Dialed dialed = dialer.dial(server.uri(), Map.of("Authorization", "Bearer " + TOKEN), metadata,
                new TestAgent("agent"), ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id());
        return dialed;
    }

    private HttpResponse<String> call(String method, String path) throws Exception {
        return IngressTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + TOKEN)
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void drainSaysSoOnHealthzRefusesNewTunnelsAndSendsGoawayAfterTheHandoff() throws Exception {
        Dialer.Dialed agent = agent(JsonNodeFactory.instance.objectNode().put("name", "edge-1"));
        assertEquals(405, call("GET", "/admin/drain").statusCode());
        assertEquals(400, call("POST", "/admin/drain?handoff=-1").statusCode());
        assertEquals(400, call("POST", "/admin/drain?handoff=soon").statusCode());
        assertEquals(200, call("GET", "/healthz").statusCode());

        HttpResponse<String> r = call("POST", "/admin/drain?handoff=300"); // long: the steps in between are seen
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("{\"status\":\"draining\",\"handoffSeconds\":300,\"connections\":1}", r.body());
        HttpResponse<String> health = call("GET", "/healthz");
        assertEquals(503, health.statusCode());
        assertEquals("{\"status\":\"draining\"}", health.body());
        assertEquals(503, RawHttp.upgrade(server.port(), "/tunnel", null, "Authorization: Bearer " + TOKEN).status(),
                "no new tunnel on a draining node");
        assertTrue(agent.connection().isOpen(), "agents stay for the handoff");
        assertEquals(200, IngressTest.get(URI.create("http://127.0.0.1:" + server.port() + "/agents/edge-1/info?token="
                + TOKEN)).statusCode(), "calls go on while draining");

        // A drain already begun is not begun again; its stage completes once the last agent has left.
        var drained = server.drain(Duration.ZERO).toCompletableFuture();
        assertTrue(!drained.isDone());
        agent.connection().shutdown(); // the agent leaving on its own ends the drain as well
        drained.get(20, TimeUnit.SECONDS);
    }

    @Test
    void drainNeedsAdminOfEverything() throws Exception {
        SocketServer scoped = SocketServer.builder().bind("127.0.0.1", 0).accessPolicy(AccessPolicy.read(
                        java.nio.file.Files.writeString(java.nio.file.Files.createTempFile("access", ".yaml"), String.join("\n",
                                "principals:", "  - name: ops-a", "    tokens: [\"ops-a-token-1\"]", "    admin: [\"a*\"]",
                                "")))).adminApi(true).build();
        scoped.start();
        try {
            HttpResponse<String> r = IngressTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + scoped.port() + "/admin/drain")).POST(HttpRequest.BodyPublishers.noBody())
                    .header("Authorization", "Bearer ops-a-token-1").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, r.statusCode());
            assertEquals("{\"error\":\"principal ops-a may not drain the server: it needs admin: [\\\"*\\\"]\"}",
                    r.body());
            assertTrue(!scoped.isDraining());
        } finally {
            scoped.close();
        }
    }

    @Test
    void connectionsListsTheAgentWithEveryField() throws Exception {
        Instant before = Instant.now();
        ObjectNode metadata = JsonNodeFactory.instance.objectNode().put("name", "edge-7").put("region", "eu");
        Dialer.Dialed agent = agent(metadata);
        assertEquals(200, IngressTest.get(URI.create("http://127.0.0.1:" + server.port() + "/agents/edge-7/info?token="
                + TOKEN)).statusCode(), "some traffic to count");

        HttpResponse<String> r = call("GET", "/connections");
        assertEquals(200, r.statusCode());
        JsonNode list = IngressTest.json(r);
        assertEquals(1, list.size(), r.body());
        JsonNode c = list.get(0);
        assertEquals(agent.connection().id(), c.path("id").asText());
        assertEquals("edge-7", c.path("name").asText());
        assertEquals(metadata, c.path("metadata"));
        assertEquals("token-2", c.path("principal").asText(), "a label, never the token");
        InetSocketAddress local = (InetSocketAddress) agent.socket().getLocalAddress();
        assertEquals("127.0.0.1:" + local.getPort(), c.path("remoteAddress").asText());
        Instant connectedAt = Instant.parse(c.path("connectedAt").asText());
        assertTrue(!connectedAt.isBefore(before.minusSeconds(1)) && !connectedAt.isAfter(Instant.now()), connectedAt.toString());
        assertEquals(0, c.path("streams").asInt());
        assertTrue(c.path("bytesIn").asLong() > 0 && c.path("bytesOut").asLong() > 0, c.toString());
        assertTrue(c.path("credential").isNull(), "a custom authenticator's principal names no credential: " + c);
        assertEquals(10, c.size(), "exactly the documented fields: " + c);

        HttpResponse<String> one = call("GET", "/connections/" + agent.connection().id());
        assertEquals(200, one.statusCode());
        assertEquals(agent.connection().id(), IngressTest.json(one).path("id").asText());
    }

    @Test
    void anAgentWithoutMetadataHasNullNameAndMetadata() throws Exception {
        Dialer.Dialed agent = agent(null);
        JsonNode c = IngressTest.json(call("GET", "/connections/" + agent.connection().id()));
        assertTrue(c.path("name").isNull() && c.path("metadata").isNull(), c.toString());
    }

    @Test
    void anUnknownIdGets404() throws Exception {
        for (String method : new String[] {"GET", "DELETE"}) {
            HttpResponse<String> r = call(method, "/connections/nope");
            assertEquals(404, r.statusCode());
            assertEquals("no connection nope", IngressTest.json(r).path("error").asText());
        }
    }

    @Test
    void deleteClosesTheConnection() throws Exception {
        Dialer.Dialed agent = agent(JsonNodeFactory.instance.objectNode().put("name", "doomed"));
        String id = agent.connection().id();
        HttpResponse<String> r = call("DELETE", "/connections/" + id);
        assertEquals(204, r.statusCode());
        assertEquals("", r.body());
        events.next(ConnectionEvent.Type.CLOSED, id);
        agent.connection().closeFuture().toCompletableFuture().handle((v, e) -> null).get(10, TimeUnit.SECONDS);
        assertEquals(404, call("GET", "/connections/" + id).statusCode());
        assertEquals("[]", call("GET", "/connections").body());
    }

    @Test
    void healthzSaysUpAndNothingMore() throws Exception {
        HttpResponse<String> r = call("GET", "/healthz");
        assertEquals(200, r.statusCode());
        assertEquals("{\"status\":\"ok\"}", r.body());
        agent(null);
        assertEquals("{\"status\":\"ok\"}", call("GET", "/healthz").body(), "no count: it is public");
    }

    @Test
    void otherMethodsGet405WithAllow() throws Exception {
        HttpResponse<String> r = call("POST", "/connections");
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD", r.headers().firstValue("allow").orElse(null));
        r = call("PUT", "/connections/x");
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD, DELETE", r.headers().firstValue("allow").orElse(null));
        assertEquals(405, call("DELETE", "/metrics").statusCode());
        assertEquals(405, call("POST", "/healthz").statusCode());
    }

    @Test
    void metricsAreValidPrometheusTextAndCount() throws Exception {
        Dialer.Dialed agent = agent(JsonNodeFactory.instance.objectNode().put("name", "m1"));
        String base = "http://127.0.0.1:" + server.port() + "/agents/";
        assertEquals(200, IngressTest.get(URI.create(base + "m1/info?token=" + TOKEN)).statusCode());
        assertEquals(200, IngressTest.get(URI.create(base + "m1/info?token=" + TOKEN)).statusCode());
        assertEquals(404, IngressTest.get(URI.create(base + "nobody/x?token=" + TOKEN)).statusCode());
        assertEquals(401, IngressTest.get(URI.create(base + "m1/info?token=wrong")).statusCode());

        HttpResponse<String> r = call("GET", "/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
        PrometheusText metrics = PrometheusText.parse(r.body());
        assertEquals(1, metrics.value("swaggersocket_connections"));
        assertEquals(0, metrics.value("swaggersocket_streams"));
        assertEquals(1, metrics.value("swaggersocket_connection_events_total{type=\"received\"}"));
        assertEquals(0, metrics.value("swaggersocket_connection_events_total{type=\"closed\"}"));
        assertEquals(2, metrics.value("swaggersocket_ingress_requests_total{code=\"2xx\"}"));
        assertEquals(2, metrics.value("swaggersocket_ingress_requests_total{code=\"4xx\"}"));
        assertEquals(1, metrics.value("swaggersocket_ingress_errors_total{reason=\"no_agent\"}"));
        assertEquals(1, metrics.value("swaggersocket_auth_failures_total{endpoint=\"ingress\"}"));
        assertEquals(4, metrics.value("swaggersocket_ingress_duration_seconds_count"));
        assertEquals(4, metrics.value("swaggersocket_ingress_duration_seconds_bucket{le=\"+Inf\"}"));
        assertEquals(0, metrics.value("swaggersocket_ingress_in_flight"));
        assertTrue(metrics.value("swaggersocket_ingress_duration_seconds_sum") > 0);
        double in = metrics.value("swaggersocket_received_bytes_total");
        double out = metrics.value("swaggersocket_sent_bytes_total");
        assertTrue(in > 0 && out > 0, "bytes " + in + " / " + out);
        assertEquals("gauge", metrics.type("swaggersocket_connections"));
        assertEquals("counter", metrics.type("swaggersocket_received_bytes_total"));
        assertEquals("histogram", metrics.type("swaggersocket_ingress_duration_seconds"));

        // Closed connections keep counting in the byte totals and the events.
        assertEquals(204, call("DELETE", "/connections/" + agent.connection().id()).statusCode());
        events.next(ConnectionEvent.Type.CLOSED, agent.connection().id());
        PrometheusText after = PrometheusText.parse(call("GET", "/metrics").body());
        assertEquals(0, after.value("swaggersocket_connections"));
        assertEquals(1, after.value("swaggersocket_connection_events_total{type=\"closed\"}"));
        assertTrue(after.value("swaggersocket_received_bytes_total") >= in);
        assertTrue(after.value("swaggersocket_sent_bytes_total") >= out);
    }
}
