package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.xnio.http.UpgradeFailedException;

/** Bearer tokens on every endpoint: the tunnel, the ingress and the admin API. */
@Timeout(60)
class BearerAuthTest {
    private static final String GOOD = "good-token-Zx81";
    private static final String WRONG = "wrong-token-Qp27";
    /** Behind the token; /healthz is public (for load balancers) and tested apart. */
    private static final List<String> ADMIN = List.of("/connections", "/connections/some-id", "/metrics");

    private Dialer dialer;
    private SocketServer server;
    private final EventLog events = new EventLog();

    @BeforeEach
    void start() throws Exception {
        dialer = new Dialer();
    }

    @AfterEach
    void stop() {
        dialer.close();
        if (server != null) {
            server.close();
        }
    }

    private void startServer(boolean publicIngress) throws Exception {
        server = SocketServer.builder().bind("127.0.0.1", 0).authenticator(BearerTokens.of(GOOD))
                .ingress(true).publicIngress(publicIngress).adminApi(true).build();
        server.addListener(events);
        server.start();
    }

    private Dialer.Dialed agent(URI uri, Map<String, String> headers) throws Exception {
        Dialer.Dialed dialed = dialer.dial(uri, headers, JsonNodeFactory.instance.objectNode().put("name", "a1"),
                new TestAgent("a1"), ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id());
        return dialed;
    }

    private HttpResponse<String> http(String method, String pathAndQuery, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return IngressTest.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertUnauthorized(HttpResponse<String> r, String what) throws IOException {
        assertEquals(401, r.statusCode(), what + ": " + r.body());
        assertEquals("Bearer", r.headers().firstValue("www-authenticate").orElse(null), what);
        assertTrue(IngressTest.json(r).path("error").isTextual(), what);
    }

    @Test
    void missingOrWrongTokensGet401OnEveryEndpoint() throws Exception {
        startServer(false);
        agent(server.uri(), Map.of("Authorization", "Bearer " + GOOD));
        for (String auth : new String[] {null, "Bearer " + WRONG, "Basic Z29vZDp0b2tlbg==", "Bearer"}) {
            String what = "Authorization " + (auth == null ? "absent" : auth.split(" ")[0]);
            RawHttp.Response tunnel = auth == null ? RawHttp.upgrade(server.port(), "/tunnel", null)
                    : RawHttp.upgrade(server.port(), "/tunnel", null, "Authorization: " + auth);
            assertEquals(401, tunnel.status(), what);
            assertEquals("Bearer", tunnel.header("www-authenticate"));
            assertUnauthorized(http("GET", "/agents/a1/info", auth), "ingress, " + what);
            assertUnauthorized(http("POST", "/agents/a1/info", auth), "ingress, " + what);
            for (String path : ADMIN) {
                assertUnauthorized(http("GET", path, auth), path + ", " + what);
            }
            assertUnauthorized(http("DELETE", "/connections/some-id", auth), "DELETE, " + what);
        }
        assertUnauthorized(http("GET", "/agents/a1/info?token=" + WRONG, null), "wrong ?token=");
        assertEquals("{\"error\":\"missing token: send Authorization: Bearer <token> or ?token=<token>\"}",
                http("GET", "/metrics", null).body());
        assertEquals("{\"error\":\"invalid token\"}", http("GET", "/metrics", "Bearer " + WRONG).body());
        ExecutionException e = assertThrows(ExecutionException.class, () -> dialer.dial(server.uri(),
                Map.of("Authorization", "Bearer " + WRONG), null, null, ConnectionConfig.defaults(), null)
                .get(10, TimeUnit.SECONDS));
        assertInstanceOf(UpgradeFailedException.class, e.getCause());
        assertEquals(1, server.activeConnections().size());
    }

    @Test
    void theRightTokenInTheHeaderOrTheQueryIsAcceptedEverywhere() throws Exception {
        startServer(false);
        Dialer.Dialed byQuery = agent(URI.create(server.uri() + "?token=" + GOOD), Map.of());
        assertEquals("token-1", server.connection(byQuery.connection().id()).orElseThrow().principal().orElseThrow()
                .getName());
        assertEquals(200, http("GET", "/agents/a1/info", "Bearer " + GOOD).statusCode());
        assertEquals(200, http("GET", "/agents/a1/info", "bearer " + GOOD).statusCode(), "the scheme ignores case");
        assertEquals(200, http("GET", "/agents/a1/info?token=" + GOOD, null).statusCode());
        assertEquals(200, http("GET", "/agents/a1/info?token=" + GOOD, "Bearer " + WRONG).statusCode(),
                "either credential may be the valid one");
        for (String path : List.of("/connections", "/healthz", "/metrics")) {
            assertEquals(200, http("GET", path, "Bearer " + GOOD).statusCode(), path);
            assertEquals(200, http("GET", path + "?token=" + GOOD, null).statusCode(), path);
        }
    }

    @Test
    void theServersCredentialsAreNotPassedToTheAgent() throws Exception {
        startServer(false);
        agent(server.uri(), Map.of("Authorization", "Bearer " + GOOD));
        String info = http("GET", "/agents/a1/info?a=1&token=" + GOOD + "&b=2", "Bearer " + GOOD).body();
        assertFalse(info.contains(GOOD), info);
        assertEquals("GET /info?a=1&b=2", info.split("\n")[1]);
        assertNull(IngressTest.headers(info).get("authorization"), info);
    }

    @Test
    void aPublicIngressNeedsNoTokenButTheAdminApiAndTheTunnelStillDo() throws Exception {
        startServer(true);
        agent(server.uri(), Map.of("Authorization", "Bearer " + GOOD));
        HttpResponse<String> open = http("GET", "/agents/a1/info?token=kept", "Bearer upstream-credential");
        assertEquals(200, open.statusCode());
        assertEquals("GET /info?token=kept", open.body().split("\n")[1], "a public ingress passes everything on");
        assertEquals("Bearer upstream-credential", IngressTest.headers(open.body()).get("authorization"));
        for (String path : ADMIN) {
            assertUnauthorized(http("GET", path, null), path);
        }
        assertEquals(401, RawHttp.upgrade(server.port(), "/tunnel", null).status());
        HttpResponse<String> health = http("GET", "/healthz", null);
        assertEquals(200, health.statusCode(), "public, for load balancers");
        assertEquals("{\"status\":\"ok\"}", health.body(), "up or draining, nothing more");
    }

    @Test
    void tokensNeverAppearInLogsOrResponses() throws Exception {
        List<String> logged = new java.util.ArrayList<>();
        try (LogCapture capture = new LogCapture("io.swaggersocket", "io.undertow", "org.xnio")) {
            startServer(false);
            agent(URI.create(server.uri() + "?token=" + GOOD), Map.of());
            StringBuilder bodies = new StringBuilder();
            for (String auth : new String[] {"Bearer " + GOOD, "Bearer " + WRONG, null}) {
                for (String path : List.of("/agents/a1/info", "/agents/a1/info?token=" + WRONG, "/agents/nobody/x",
                        "/connections", "/metrics", "/healthz", "/nothing")) {
                    HttpResponse<String> r = http("GET", path, auth);
                    bodies.append(r.body()).append(r.headers().map());
                }
                bodies.append(RawHttp.upgrade(server.port(), "/tunnel?token=" + WRONG, null).body());
                if (auth != null) {
                    bodies.append(RawHttp.upgrade(server.port(), "/tunnel", null, "Authorization: " + auth).body());
                }
            }
            server.close();
            logged.addAll(capture.messages());
            assertFalse(bodies.toString().contains(GOOD), "good token in a response");
            assertFalse(bodies.toString().contains(WRONG), "wrong token in a response");
        }
        assertTrue(!logged.isEmpty(), "debug logging was on: something must have been logged");
        for (String message : logged) {
            assertFalse(message.contains(GOOD) || message.contains(WRONG), "a token in the log: " + message);
        }
        assertEquals("BearerTokens[1 token]", BearerTokens.of(GOOD).toString());
    }

    // ---------------------------------------------------------------------------------------------
    // BearerTokens on its own

    private static UpgradeRequest request(Map<String, List<String>> headers, Map<String, List<String>> query) {
        return new UpgradeRequest("/tunnel", headers, query, new InetSocketAddress("127.0.0.1", 1));
    }

    @Test
    void bearerTokensLabelsPrincipalsByPosition() {
        BearerTokens tokens = BearerTokens.of("alpha", "beta", "alpha");
        assertEquals(2, tokens.size(), "duplicates count once");
        AuthResult beta = tokens.authenticate(request(Map.of("authorization", List.of("Bearer beta")), Map.of()));
        assertEquals("token-2", ((AuthResult.Accepted) beta).principal().getName());
        AuthResult alpha = tokens.authenticate(request(Map.of(), Map.of("token", List.of("alpha"))));
        assertEquals("token-1", ((AuthResult.Accepted) alpha).principal().getName());
        AuthResult.Rejected wrong = (AuthResult.Rejected) tokens.authenticate(request(
                Map.of("Authorization", List.of("Bearer alph")), Map.of()));
        assertEquals(401, wrong.status());
        assertEquals("invalid token", wrong.message());
    }

    @Test
    void bearerTokensRejectsBadTokensWithoutQuotingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BearerTokens.of("ok", "has space"));
        assertEquals("token 2: expected a non-empty token without whitespace or control characters", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BearerTokens.of(List.of()));
        assertEquals("tokens: expected at least one token but there are none", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BearerTokens.of(""));
    }

    @Test
    void tokensFileSkipsCommentsAndBlankLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# agents\n  first-token  \n\n#second-token\nthird-token\n");
        assertEquals(List.of("first-token", "third-token"), BearerTokens.readFile(file));
        Files.writeString(file, "one two\n");
        IOException bad = assertThrows(IOException.class, () -> BearerTokens.readFile(file));
        assertEquals("tokens file " + file + " line 1: expected one token but the line holds whitespace or control"
                + " characters", bad.getMessage());
        IOException missing = assertThrows(IOException.class, () -> BearerTokens.readFile(dir.resolve("nope")));
        assertEquals("cannot read tokens file " + dir.resolve("nope") + ": no such file", missing.getMessage());
    }

    @Test
    void newTokensAreLongAndUrlSafe() {
        String a = BearerTokens.newToken();
        assertEquals(43, a.length());
        assertTrue(a.matches("[A-Za-z0-9_-]+"), a);
        assertFalse(a.equals(BearerTokens.newToken()));
    }
}
