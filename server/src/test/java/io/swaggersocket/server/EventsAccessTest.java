package io.swaggersocket.server;

import static io.swaggersocket.server.EventsClient.q;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.events.Event;
import io.swaggersocket.handshake.Protocol;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
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
import org.junit.jupiter.api.io.TempDir;

/** {@code /events} behind an access file: 401s, the token query, admin scoping, agent publishing by grant. */
@Timeout(60)
class EventsAccessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEAM_A = "team-a-token-Qz18";
    private static final String OPS = "ops-token-Lm27";
    private static final String AGENTS = "agents-token-Rt44";
    private static final String NOBODY = "nobody-token-Pp01";
    private static final String ACCESS = String.join("\n",
            "principals:",
            "  - name: team-a",
            "    tokens: [\"" + TEAM_A + "\"]",
            "    admin: [\"team-a-*\"]",
            "  - name: ops",
            "    tokens: [\"" + OPS + "\"]",
            "    admin: [\"*\"]",
            "  - name: agents",
            "    tokens: [\"" + AGENTS + "\"]",
            "    register: [\"*\"]",
            "    publish: [\"team-*\"]",
            "  - name: nobody",
            "    tokens: [\"" + NOBODY + "\"]",
            "");

    @TempDir
    Path dir;
    private Dialer dialer;
    private SocketServer server;
    private final List<EventsClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Path file = dir.resolve("access.yaml");
        Files.writeString(file, ACCESS);
        dialer = new Dialer();
        server = SocketServer.builder().bind("127.0.0.1", 0).accessPolicy(AccessPolicy.read(file)).adminApi(true).build();
        server.start();
    }

    @AfterEach
    void stop() {
        clients.forEach(EventsClient::close);
        dialer.close();
        server.close();
    }

    private EventsClient subscribe(String query, String token) throws Exception {
        EventsClient c = EventsClient.open(server.port(), query, token);
        clients.add(c);
        return c;
    }

    private SocketConnection agent(String name) throws Exception {
        return dialer.dial(server.uri(), Map.of("Authorization", "Bearer " + AGENTS, Protocol.AGENT_NAME_HEADER, name),
                JsonNodeFactory.instance.objectNode().put("name", name).put("zone", "eu"), new TestAgent(name),
                ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS).connection();
    }

    private HttpResponse<String> get(String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(20));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return IngressTest.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void badOrMissingCredentialsGet401BeforeAnyUpgradeAndNoAdminGrantGets403() throws Exception {
        HttpResponse<String> wrong = get("/events", "not-a-token");
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.headers().firstValue("WWW-Authenticate").isPresent());
        assertTrue(IngressTest.json(wrong).path("error").isTextual());
        assertEquals(401, get("/events", null).statusCode());
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> subscribe("", "not-a-token"));
        java.net.http.WebSocketHandshakeException refused = org.junit.jupiter.api.Assertions.assertInstanceOf(
                java.net.http.WebSocketHandshakeException.class, e.getCause());
        assertEquals(401, refused.getResponse().statusCode());
        assertEquals(403, get("/events", NOBODY).statusCode());
    }

    @Test
    void theTokenQueryParameterIsAccepted() throws Exception {
        EventsClient c = subscribe("token=" + q(OPS) + "&register=" + q("marker.*.*"), null);
        c.hello();
        long m = server.publish(Event.builder("marker", "put", "x").build());
        assertEquals(m, c.next().path("Seq").asLong());
    }

    @Test
    void aPrincipalWithAdminTeamAStarNeverSeesTeamBEvents() throws Exception {
        EventsClient a = subscribe("register=" + q("*.*.*"), TEAM_A);
        EventsClient ops = subscribe("register=" + q("*.*.*"), OPS);
        a.hello();
        ops.hello();
        // Connection events come from the server's event thread: each awaited before the next event.
        agent("team-b-1");
        assertEquals("team-b-1", ops.next().path("Agent").asText());
        agent("team-a-1");
        assertEquals("team-a-1", ops.next().path("Agent").asText());
        server.publish(Event.builder("jobs", "done", "1").agent("team-b-2").build());
        server.publish(Event.builder("jobs", "done", "2").build()); // about no agent: admin * only
        long marker = server.publish(Event.builder("jobs", "done", "3").agent("team-a-2").build());
        JsonNode first = a.next();
        assertEquals("team-a-1", first.path("Agent").asText(), first.toString());
        assertEquals("agents", first.path("Key").asText());
        assertEquals("eu", first.path("Labels").path("zone").asText());
        assertEquals(marker, a.next().path("Seq").asLong(), "nothing about team-b or about no agent came between");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode e = ops.next();
            seen.add(e.path("Agent").asText("-"));
        }
        assertEquals(List.of("team-b-2", "-", "team-a-2"), seen, "admin * sees everything");
    }

    @Test
    void agentsPublishThroughTheirTunnelWhenTheirGrantAllows() throws Exception {
        EventsClient ops = subscribe("register=" + q("jobs.*.*") + "&register=" + q("connections.create.*"), OPS);
        ops.hello();
        SocketConnection allowed = agent("team-x");
        assertEquals("team-x", ops.next().path("Agent").asText(), "in the server's registry now");
        // The application serves its own handler on the server's side: the events endpoint stays in front.
        server.connection(allowed.id()).orElseThrow().serve((request, response, context) -> response.setCode(418));
        ClassicHttpResponseText r = post(allowed, "{\"Type\":\"jobs\",\"Action\":\"done\",\"Key\":\"j1\","
                + "\"Labels\":{\"zone\":\"us\",\"k\":\"v\"},\"Object\":{\"ok\":true}}");
        assertEquals(202, r.status(), r.body());
        long seq = JSON.readTree(r.body()).path("Seq").asLong();
        JsonNode e = ops.next();
        assertEquals(seq, e.path("Seq").asLong());
        assertEquals("team-x", e.path("Agent").asText());
        assertEquals("agents", e.path("Principal").asText());
        assertEquals("us", e.path("Labels").path("zone").asText(), "the publisher's labels over the metadata's");
        assertEquals("team-x", e.path("Labels").path("name").asText());
        assertTrue(e.path("Object").path("ok").asBoolean());

        SocketConnection forbidden = agent("other-1");
        assertEquals("other-1", ops.next().path("Agent").asText());
        ClassicHttpResponseText refused = post(forbidden, "{\"Type\":\"jobs\",\"Action\":\"done\",\"Key\":\"j2\"}");
        assertEquals(403, refused.status(), refused.body());
        assertTrue(refused.body().contains("publish"), refused.body());
        assertEquals(400, post(allowed, "{\"Type\":\"connections\",\"Action\":\"create\",\"Key\":\"x\"}").status());
        assertEquals(400, post(allowed, "{\"Type\":\"jobs\",\"Action\":\"done\",\"Key\":\"x\",\"Seq\":5}").status());
        assertEquals(400, post(allowed, "not json").status());
        assertEquals(400, post(allowed, "{\"Type\":\"jobs\"}").status());
        assertEquals(413, post(allowed, "{\"Type\":\"jobs\",\"Action\":\"a\",\"Key\":\"k\",\"Object\":\""
                + "x".repeat(AgentEventsHandler.MAX_BODY) + "\"}").status());
        try (ClassicHttpResponse other = allowed.execute(ClassicRequestBuilder.get("/anything").build())) {
            assertEquals(418, other.getCode(), "other paths still reach the application's handler");
        }
        long m = server.publish(Event.builder("jobs", "marker", "m").build());
        assertEquals(m, ops.next().path("Seq").asLong(), "no refused event was published");
    }

    private record ClassicHttpResponseText(int status, String body) {
    }

    private static ClassicHttpResponseText post(SocketConnection c, String body) throws Exception {
        try (ClassicHttpResponse r = c.execute(ClassicRequestBuilder.post(AgentEventsHandler.PATH)
                .setEntity(new StringEntity(body, ContentType.APPLICATION_JSON)).build())) {
            return new ClassicHttpResponseText(r.getCode(), r.getEntity() == null ? ""
                    : EntityUtils.toString(r.getEntity(), StandardCharsets.UTF_8));
        }
    }
}
