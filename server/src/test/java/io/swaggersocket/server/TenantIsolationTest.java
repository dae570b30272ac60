package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.auth.RequestSigner;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.HandshakeException;
import io.swaggersocket.handshake.Protocol;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketClosedException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xnio.http.UpgradeFailedException;

/**
 * Two teams on one server, over real sockets: each registers, calls, lists, inspects and kicks only
 * its own agents; names are owned; a reload revokes; signed requests; no secret is ever logged.
 */
@Timeout(60)
class TenantIsolationTest {
    private static final String TOKEN_A = "team-a-token-Hx71";
    private static final String TOKEN_B = "team-b-token-Kq28";
    private static final String TOKEN_CALLER = "caller-token-Wm55";
    private static final String TOKEN_OPS = "ops-token-Jd90";
    private static final String KEY_ID = "AKSIGNER1";
    private static final String SECRET = "signer-secret-Vb63x";
    private static final List<String> SECRETS = List.of(TOKEN_A, TOKEN_B, TOKEN_CALLER, TOKEN_OPS, SECRET);

    @TempDir
    Path dir;
    private Path accessFile;
    private Dialer dialer;
    private SocketServer server;
    private final EventLog events = new EventLog();

    private static final String ACCESS = String.join("\n",
            "# two teams, a caller, an operator and a signing agent",
            "principals:",
            "  - name: team-a",
            "    tokens: [\"" + TOKEN_A + "\"]",
            "    register: [\"a*\", \"shared-*\"]",
            "    call: [\"a*\"]",
            "    admin: [\"a*\"]",
            "  - name: team-b",
            "    tokenSha256: [\"" + RequestSigner.sha256Hex(TOKEN_B.getBytes(StandardCharsets.UTF_8)) + "\"]",
            "    register: [\"b*\", \"shared-*\"]",
            "    call: [\"b*\"]",
            "    admin: [\"b*\"]",
            "  - name: caller",
            "    tokens: [\"" + TOKEN_CALLER + "\"]",
            "    call: [\"a*\"]",
            "  - name: ops",
            "    tokens: [\"" + TOKEN_OPS + "\"]",
            "    admin: [\"*\"]",
            "  - name: signer",
            "    accessKeys:",
            "      - {id: " + KEY_ID + ", secretFile: signer.secret}",
            "    register: [\"s*\"]",
            "    call: [\"s*\"]",
            "");

    @BeforeEach
    void start() throws Exception {
        accessFile = dir.resolve("access.yaml");
        Files.writeString(accessFile, ACCESS);
        Files.writeString(dir.resolve("signer.secret"), SECRET + "\n");
        dialer = new Dialer();
        server = SocketServer.builder().bind("127.0.0.1", 0)
                .accessPolicy(AccessPolicy.read(accessFile), () -> AccessPolicy.read(accessFile))
                .ingress(true).adminApi(true).build();
        server.addListener(events);
        server.start();
    }

    @AfterEach
    void stop() {
        dialer.close();
        server.close();
    }

    private Dialer.Dialed agent(String name, String token) throws Exception {
        return agent(name, Map.of("Authorization", "Bearer " + token, Protocol.AGENT_NAME_HEADER, name));
    }

    private Dialer.Dialed agent(String name, Map<String, String> headers) throws Exception {
        Dialer.Dialed dialed = dialer.dial(server.uri(), headers, JsonNodeFactory.instance.objectNode().put("name", name),
                new TestAgent(name), ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id());
        return dialed;
    }

    private HttpResponse<String> http(String method, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return IngressTest.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String error(HttpResponse<String> r) throws Exception {
        return IngressTest.json(r).path("error").asText();
    }

    private List<String> listedNames(String token) throws Exception {
        HttpResponse<String> r = http("GET", "/connections", token);
        assertEquals(200, r.statusCode(), r.body());
        List<String> names = new ArrayList<>();
        IngressTest.json(r).forEach(c -> names.add(c.path("name").asText()));
        return names;
    }

    @Test
    void aNameOutsideTheRegisterGrantIsRefusedWith403NamingTheName() throws Exception {
        RawHttp.Response r = RawHttp.upgrade(server.port(), "/tunnel", null, "Authorization: Bearer " + TOKEN_B,
                Protocol.AGENT_NAME_HEADER + ": a1");
        assertEquals(403, r.status(), r.body());
        assertEquals("{\"error\":\"principal team-b may not register agent name \\\"a1\\\"\"}", r.body());

        // Without the header (an older agent) the hello is judged the same way, and refused with 4006.
        ExecutionException e = assertThrows(ExecutionException.class, () -> dialer.dial(server.uri(),
                Map.of("Authorization", "Bearer " + TOKEN_B), JsonNodeFactory.instance.objectNode().put("name", "a1"),
                null, ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS));
        HandshakeException refused = assertInstanceOf(HandshakeException.class, e.getCause());
        assertEquals(CloseCode.HANDSHAKE_REFUSED, refused.closeCode());
        assertTrue(refused.getMessage().contains("principal team-b may not register agent name \"a1\""),
                refused.getMessage());

        // A hello whose name differs from the announced one is refused too.
        e = assertThrows(ExecutionException.class, () -> dialer.dial(server.uri(),
                Map.of("Authorization", "Bearer " + TOKEN_B, Protocol.AGENT_NAME_HEADER, "b1"),
                JsonNodeFactory.instance.objectNode().put("name", "a1"), null, ConnectionConfig.defaults(), null)
                .get(10, TimeUnit.SECONDS));
        assertEquals(CloseCode.HANDSHAKE_REFUSED, ((HandshakeException) e.getCause()).closeCode());
        assertTrue(server.activeConnections().isEmpty());

        // A principal without any register grant cannot connect an agent at all, named or not.
        e = assertThrows(ExecutionException.class, () -> dialer.dial(server.uri(),
                Map.of("Authorization", "Bearer " + TOKEN_CALLER), null, null, ConnectionConfig.defaults(), null)
                .get(10, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("may not register an agent without a name"),
                e.getCause().getMessage());
    }

    @Test
    void theNameInTheTunnelPathIsJudgedLikeTheHeaderAndMustMatchHello() throws Exception {
        // /tunnel/NAME, percent-encoded, is the same tunnel: the agent comes in under its name.
        URI byName = URI.create(server.uri() + "/a%2D1");
        Dialer.Dialed a = dialer.dial(byName, Map.of("Authorization", "Bearer " + TOKEN_A),
                JsonNodeFactory.instance.objectNode().put("name", "a-1"), new TestAgent("a-1"),
                ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, a.connection().id());
        assertEquals(200, http("GET", "/agents/a-1/info", TOKEN_CALLER).statusCode());

        // A name the principal may not register is refused before the WebSocket opens.
        RawHttp.Response r = RawHttp.upgrade(server.port(), "/tunnel/a1", null, "Authorization: Bearer " + TOKEN_B);
        assertEquals(403, r.status(), r.body());
        assertEquals("{\"error\":\"principal team-b may not register agent name \\\"a1\\\"\"}", r.body());
        // Path and header disagreeing: 400.
        r = RawHttp.upgrade(server.port(), "/tunnel/a1", null, "Authorization: Bearer " + TOKEN_A,
                Protocol.AGENT_NAME_HEADER + ": a2");
        assertEquals(400, r.status(), r.body());
        assertEquals("{\"error\":\"the agent name in the path differs from the Swaggersocket-Agent header\"}", r.body());
        // Deeper paths and an empty segment are no tunnel: 404; a bad escape, 400 (Undertow's own).
        for (String bad : List.of("/tunnel/a1/x", "/tunnel/")) {
            assertEquals(404, RawHttp.upgrade(server.port(), bad, null, "Authorization: Bearer " + TOKEN_A).status(), bad);
        }
        assertEquals(400, RawHttp.upgrade(server.port(), "/tunnel/a%G1", null).status());
        // A hello naming another agent than the path: 4006.
        ExecutionException e = assertThrows(ExecutionException.class, () -> dialer.dial(URI.create(server.uri() + "/a2"),
                Map.of("Authorization", "Bearer " + TOKEN_A), JsonNodeFactory.instance.objectNode().put("name", "a3"),
                null, ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS));
        HandshakeException refused = assertInstanceOf(HandshakeException.class, e.getCause());
        assertEquals(CloseCode.HANDSHAKE_REFUSED, refused.closeCode());
        assertEquals(1, server.activeConnections().size());
    }

    @Test
    void aNameHeldByAnotherPrincipalIsRefusedUntilItsAgentsAreGone() throws Exception {
        Dialer.Dialed a1 = agent("shared-1", TOKEN_A);
        Dialer.Dialed a2 = agent("shared-1", TOKEN_A); // the same principal: they share its calls
        RawHttp.Response r = RawHttp.upgrade(server.port(), "/tunnel", null, "Authorization: Bearer " + TOKEN_B,
                Protocol.AGENT_NAME_HEADER + ": shared-1");
        assertEquals(403, r.status(), r.body());
        assertEquals("{\"error\":\"agent name \\\"shared-1\\\" is in use by another principal\"}", r.body());
        ExecutionException e = assertThrows(ExecutionException.class, () -> dialer.dial(server.uri(),
                Map.of("Authorization", "Bearer " + TOKEN_B), JsonNodeFactory.instance.objectNode()
                        .put("name", "shared-1"), null, ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS));
        assertEquals(CloseCode.HANDSHAKE_REFUSED, ((HandshakeException) e.getCause()).closeCode());

        for (Dialer.Dialed a : List.of(a1, a2)) {
            a.connection().shutdownNow();
            events.next(ConnectionEvent.Type.CLOSED, a.connection().id());
        }
        Dialer.Dialed b = agent("shared-1", TOKEN_B);
        assertEquals("team-b", server.connection(b.connection().id()).orElseThrow().principal().orElseThrow()
                .getName());
    }

    @Test
    void callsReachOnlyTheAgentsTheCallGrantCovers() throws Exception {
        agent("a1", TOKEN_A);
        agent("b1", TOKEN_B);
        assertEquals(200, http("GET", "/agents/a1/info", TOKEN_CALLER).statusCode());
        HttpResponse<String> denied = http("GET", "/agents/b1/info", TOKEN_CALLER);
        assertEquals(403, denied.statusCode());
        assertEquals("principal caller may not call agent \"b1\"", error(denied));
        assertEquals(403, http("GET", "/agents/a1/info", TOKEN_B).statusCode(), "B calling A's agent");
        assertEquals(403, http("POST", "/agents/a1/info", TOKEN_B).statusCode());
        assertEquals(200, http("GET", "/agents/b1/info", TOKEN_B).statusCode());
        assertEquals(403, http("GET", "/agents/nobody/x", TOKEN_B).statusCode(),
                "an agent outside the grant is 403 whether or not it is connected: no probing for names");
        assertEquals(404, http("GET", "/agents/b-nobody/x", TOKEN_B).statusCode());
    }

    @Test
    void listingsInspectionKicksAndMetricsStayWithinTheAdminGrant() throws Exception {
        Dialer.Dialed a1 = agent("a1", TOKEN_A);
        Dialer.Dialed b1 = agent("b1", TOKEN_B);
        assertEquals(List.of("a1"), listedNames(TOKEN_A));
        assertEquals(List.of("b1"), listedNames(TOKEN_B));
        assertEquals(List.of(), listedNames(TOKEN_CALLER), "no admin grant: an empty list");
        assertEquals(2, listedNames(TOKEN_OPS).size());

        String a1Id = a1.connection().id();
        HttpResponse<String> inspect = http("GET", "/connections/" + a1Id, TOKEN_B);
        assertEquals(403, inspect.statusCode());
        assertEquals("principal team-b may not administer connection " + a1Id, error(inspect));
        assertEquals(403, http("DELETE", "/connections/" + a1Id, TOKEN_B).statusCode());
        assertTrue(a1.connection().isOpen(), "B's kick did nothing");
        JsonNode own = IngressTest.json(http("GET", "/connections/" + a1Id, TOKEN_A));
        assertEquals("team-a", own.path("principal").asText());
        assertEquals("token 1", own.path("credential").asText(), "which credential, never its value");

        String metricsB = http("GET", "/metrics", TOKEN_B).body();
        assertTrue(metricsB.contains("swaggersocket_agent_connections{agent=\"b1\"} 1"), metricsB);
        assertFalse(metricsB.contains("a1"), metricsB);
        assertFalse(metricsB.contains("swaggersocket_connections "), "server-wide series need admin *: " + metricsB);
        assertFalse(metricsB.contains("jvm_") || metricsB.contains("process_"), "JVM series need admin *: " + metricsB);
        PrometheusText.parse(metricsB); // the cut-down scrape is still valid exposition text
        String metricsOps = http("GET", "/metrics", TOKEN_OPS).body();
        assertTrue(metricsOps.contains("swaggersocket_connections 2"), metricsOps);
        assertTrue(metricsOps.contains("jvm_memory_used_bytes{"), metricsOps);
        assertTrue(metricsOps.contains("swaggersocket_agent_connections{agent=\"a1\"} 1"), metricsOps);
        HttpResponse<String> noAdmin = http("GET", "/metrics", TOKEN_CALLER);
        assertEquals(403, noAdmin.statusCode());
        assertEquals("principal caller has no admin grant", error(noAdmin));

        assertEquals(204, http("DELETE", "/connections/" + b1.connection().id(), TOKEN_B).statusCode());
        events.next(ConnectionEvent.Type.CLOSED, b1.connection().id());
        assertEquals(204, http("DELETE", "/connections/" + a1Id, TOKEN_OPS).statusCode());
        events.next(ConnectionEvent.Type.CLOSED, a1Id);
    }

    @Test
    void healthzIsPublicAndSaysOnlyUp() throws Exception {
        agent("a1", TOKEN_A);
        HttpResponse<String> r = http("GET", "/healthz", null);
        assertEquals(200, r.statusCode());
        assertEquals("{\"status\":\"ok\"}", r.body());
    }

    @Test
    void aRevokedCredentialsConnectionIsClosedOnReloadAndCannotComeBack() throws Exception {
        Dialer.Dialed a1 = agent("a1", TOKEN_A);
        Dialer.Dialed b1 = agent("b1", TOKEN_B);
        Files.writeString(accessFile, ACCESS.replace("    tokens: [\"" + TOKEN_A + "\"]\n", ""));
        assertEquals(1, server.reloadAccessPolicy());

        ExecutionException closed = assertThrows(ExecutionException.class,
                () -> a1.connection().closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS));
        SocketClosedException cause = assertInstanceOf(SocketClosedException.class, closed.getCause());
        assertEquals(CloseCode.ACCESS_REVOKED.code(), cause.closeCode(), cause.getMessage());
        assertTrue(b1.connection().isOpen(), "team B keeps its agent");
        RawHttp.Response redial = RawHttp.upgrade(server.port(), "/tunnel", null, "Authorization: Bearer " + TOKEN_A,
                Protocol.AGENT_NAME_HEADER + ": a1");
        assertEquals(401, redial.status());
        assertEquals("{\"error\":\"invalid token\"}", redial.body());

        // A grant taken away revokes too: team B may no longer register b*.
        Files.writeString(accessFile, ACCESS.replace("\"b*\", \"shared-*\"", "\"shared-*\""));
        assertEquals(1, server.reloadAccessPolicy());
        events.next(ConnectionEvent.Type.FAILURE, a1.connection().id());
        ConnectionEvent gone = events.next(ConnectionEvent.Type.FAILURE, b1.connection().id());
        assertEquals(CloseCode.ACCESS_REVOKED.code(), gone.cause().closeCode());
    }

    @Test
    void aBrokenAccessFileOnReloadChangesNothing() throws Exception {
        Dialer.Dialed a1 = agent("a1", TOKEN_A);
        Files.writeString(accessFile, ACCESS.replace("    register: [\"b*\", \"shared-*\"]",
                "    register: [\"b*\", \"shared-*\"]\n    colour: blue"));
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> server.reloadAccessPolicy());
        assertTrue(e.getMessage().startsWith("access file " + accessFile + " line 11: "), e.getMessage());
        assertTrue(e.getMessage().contains(": unknown field \"colour\" (expected one of: "), e.getMessage());

        HttpResponse<String> viaApi = http("POST", "/access/reload", TOKEN_OPS);
        assertEquals(422, viaApi.statusCode());
        assertTrue(error(viaApi).endsWith("; the previous access policy stays"), viaApi.body());
        assertEquals(403, http("POST", "/access/reload", TOKEN_A).statusCode(), "reloads need admin *");
        assertTrue(a1.connection().isOpen());
        assertEquals(200, http("GET", "/agents/a1/info", TOKEN_CALLER).statusCode(), "the old policy still rules");

        Files.writeString(accessFile, ACCESS);
        HttpResponse<String> reloaded = http("POST", "/access/reload", TOKEN_OPS);
        assertEquals(200, reloaded.statusCode(), reloaded.body());
        assertEquals("{\"reloaded\":true,\"closedConnections\":0}", reloaded.body());
    }

    @Test
    void signedUpgradesAndIngressCallsAreAcceptedOnceAndCheckedWhole() throws Exception {
        RequestSigner signer = RequestSigner.of(KEY_ID, SECRET);
        Map<String, List<String>> upgrade = new HashMap<>();
        upgrade.put("Host", List.of("127.0.0.1:" + server.port()));
        upgrade.put(Protocol.AGENT_NAME_HEADER, List.of("s1"));
        Map<String, String> headers = new LinkedHashMap<>(signer.sign("GET", "/tunnel", upgrade, new byte[0]));
        headers.put(Protocol.AGENT_NAME_HEADER, "s1");
        Dialer.Dialed s1 = agent("s1", headers);
        GrantedPrincipal who = (GrantedPrincipal) server.connection(s1.connection().id()).orElseThrow().principal()
                .orElseThrow();
        assertEquals("signer", who.getName());
        assertEquals("access key " + KEY_ID, who.credential());

        byte[] body = "signed body".getBytes(StandardCharsets.UTF_8);
        URI sha = URI.create("http://127.0.0.1:" + server.port() + "/agents/s1/sha?x=1");
        HttpRequest signed = signer.sign(HttpRequest.newBuilder(sha).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), body);
        HttpResponse<String> ok = IngressTest.HTTP.send(signed, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(body.length + " " + RequestSigner.sha256Hex(body), ok.body());

        HttpResponse<String> replay = IngressTest.HTTP.send(signed, HttpResponse.BodyHandlers.ofString());
        assertEquals(401, replay.statusCode());
        assertTrue(error(replay).startsWith("signed request: Signature: expected a signature not used before"),
                replay.body());

        byte[] other = "other body!".getBytes(StandardCharsets.UTF_8); // same length, other bytes
        URI sha2 = URI.create("http://127.0.0.1:" + server.port() + "/agents/s1/sha?x=2"); // not a replay
        HttpRequest swapped = signer.sign(HttpRequest.newBuilder(sha2).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofByteArray(other)).build(), body);
        HttpResponse<String> mismatch = IngressTest.HTTP.send(swapped, HttpResponse.BodyHandlers.ofString());
        assertEquals(401, mismatch.statusCode(), mismatch.body());
        assertEquals("signed request: the body's SHA-256 is not the signed X-Sws-Content-Sha256", error(mismatch));

        HttpRequest info = signer.sign(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/agents/s1/info")).timeout(Duration.ofSeconds(20)).GET().build(), new byte[0]);
        String seen = IngressTest.HTTP.send(info, HttpResponse.BodyHandlers.ofString()).body();
        Map<String, String> passed = IngressTest.headers(seen);
        assertFalse(passed.containsKey("authorization") || passed.containsKey("x-sws-date")
                || passed.containsKey("x-sws-content-sha256"), "the server's credentials stay with it: " + seen);

        HttpRequest elsewhere = signer.sign(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/agents/a1/info")).timeout(Duration.ofSeconds(20)).GET().build(), new byte[0]);
        assertEquals(403, IngressTest.HTTP.send(elsewhere, HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void noSecretIsEverLoggedOrAnsweredInAFullRun() throws Exception {
        List<String> logged;
        StringBuilder answers = new StringBuilder();
        try (LogCapture capture = new LogCapture("io.swaggersocket", "io.undertow", "org.xnio")) {
            agent("a1", TOKEN_A);
            Dialer.Dialed b1 = agent("b1", TOKEN_B);
            for (String token : List.of(TOKEN_A, TOKEN_B, TOKEN_CALLER, TOKEN_OPS, "wrong-" + TOKEN_A)) {
                for (String path : List.of("/agents/a1/info", "/agents/b1/info", "/connections", "/metrics",
                        "/connections/" + b1.connection().id())) {
                    HttpResponse<String> r = http("GET", path, token);
                    answers.append(r.body()).append(r.headers().map());
                }
                answers.append(RawHttp.upgrade(server.port(), "/tunnel", null, "Authorization: Bearer " + token,
                        Protocol.AGENT_NAME_HEADER + ": a9").body());
            }
            RequestSigner wrongSecret = RequestSigner.of(KEY_ID, "not-" + SECRET);
            answers.append(IngressTest.HTTP.send(wrongSecret.sign(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + server.port() + "/agents/s1/info")).GET().build(), new byte[0]),
                    HttpResponse.BodyHandlers.ofString()).body());
            Files.writeString(accessFile, ACCESS.replace("  - name: ops", "  - name: ops\n    tokens: oops: ["));
            assertThrows(java.io.IOException.class, () -> server.reloadAccessPolicy());
            Files.writeString(accessFile, ACCESS.replace(TOKEN_A, ""));
            answers.append(assertThrows(java.io.IOException.class, () -> server.reloadAccessPolicy()).getMessage());
            Files.writeString(accessFile, ACCESS.replace("    tokens: [\"" + TOKEN_A + "\"]\n", ""));
            server.reloadAccessPolicy();
            server.close();
            logged = capture.messages();
        }
        assertFalse(logged.isEmpty(), "debug logging was on: something must have been logged");
        for (String secret : SECRETS) {
            assertFalse(answers.toString().contains(secret), "a secret in an answer");
            for (String line : logged) {
                assertFalse(line.contains(secret), "a secret in the log: " + line);
            }
        }
    }
}
