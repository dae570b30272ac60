package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.testing.LoggedRecords;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xnio.http.UpgradeFailedException;

@Timeout(30)
class AuthenticationTest {
    private static final HttpRequestHandler AGENT = (request, response, context) ->
            response.setEntity(new StringEntity("ok", ContentType.TEXT_PLAIN));

    /** Bearer alice: accepted as alice; bearer mallory: 403; no token: 401; X-Boom: the authenticator throws. */
    private static final Authenticator TOKENS = request -> {
        if (request.header("x-boom").isPresent()) {
            throw new IOException("token store unreachable");
        }
        String auth = request.header("authorization").orElse("");
        return switch (auth) {
            case "Bearer alice" -> AuthResult.accept(new UserPrincipal("alice"));
            case "Bearer mallory" -> AuthResult.forbidden("mallory may not open tunnels");
            default -> AuthResult.unauthorized("missing or invalid \"token\"");
        };
    };

    record UserPrincipal(String getName) implements Principal {
    }

    private static Dialer dialer;

    @BeforeAll
    static void startDialer() throws Exception {
        dialer = new Dialer();
    }

    @AfterAll
    static void stopDialer() {
        dialer.close();
    }

    private static SocketServer start(Authenticator authenticator, EventLog log) throws Exception {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).authenticator(authenticator).build();
        server.addListener(log);
        server.start();
        return server;
    }

    private static CompletableFuture<Dialer.Dialed> dial(SocketServer server, Map<String, String> headers) {
        return dialer.dial(server.uri(), headers, null, AGENT, ConnectionConfig.defaults(), null);
    }

    private static Throwable dialFailure(SocketServer server, Map<String, String> headers) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> dial(server, headers).get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void rejectionWith401IsVisibleToTheDialerAndOnTheWire() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = start(TOKENS, log)) {
            Throwable failure = dialFailure(server, Map.of("Authorization", "Bearer nobody"));
            // Undertow's client keeps only the status: the JSON body is not visible through it.
            assertInstanceOf(UpgradeFailedException.class, failure);
            assertEquals("Invalid response code 401", failure.getMessage());

            RawHttp.Response raw = RawHttp.upgrade(server.port(), "/tunnel", null, "Authorization: Bearer nobody");
            assertEquals(401, raw.status());
            assertEquals("Bearer", raw.header("www-authenticate"));
            assertEquals("application/json", raw.header("content-type"));
            assertEquals("{\"error\":\"missing or invalid \\\"token\\\"\"}", raw.body());
            assertTrue(server.activeConnections().isEmpty());
            assertEquals(null, log.poll());
        }
    }

    @Test
    void rejectionWith403IsVisibleToTheDialerAndOnTheWire() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = start(TOKENS, log)) {
            Throwable failure = dialFailure(server, Map.of("Authorization", "Bearer mallory"));
            assertInstanceOf(UpgradeFailedException.class, failure);
            assertEquals("Invalid response code 403", failure.getMessage());

            RawHttp.Response raw = RawHttp.upgrade(server.port(), "/tunnel", null, "Authorization: Bearer mallory");
            assertEquals(403, raw.status());
            assertEquals("application/json", raw.header("content-type"));
            assertEquals("{\"error\":\"mallory may not open tunnels\"}", raw.body());
            assertEquals(null, raw.header("upgrade"));
        }
    }

    @Test
    void acceptedPrincipalIsTheConnectionsPrincipal() throws Exception {
        EventLog log = new EventLog();
        CompletableFuture<UpgradeRequest> seen = new CompletableFuture<>();
        Authenticator recording = request -> {
            seen.complete(request);
            return TOKENS.authenticate(request);
        };
        try (SocketServer server = start(recording, log)) {
            Dialer.Dialed agent = dialer.dial(server.uri().resolve("/tunnel?region=eu&tag=a&tag=b"),
                    Map.of("Authorization", "Bearer alice", "X-Agent", "7"), null, AGENT, ConnectionConfig.defaults(),
                    null).get(10, TimeUnit.SECONDS);
            ConnectionEvent received = log.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());
            assertEquals("alice", received.connection().principal().orElseThrow().getName());
            SocketConnection connection = server.connection(agent.connection().id()).orElseThrow();
            assertEquals(new UserPrincipal("alice"), connection.principal().orElseThrow());

            UpgradeRequest request = seen.get();
            assertEquals("/tunnel", request.path());
            assertEquals("Bearer alice", request.header("AUTHORIZATION").orElseThrow());
            assertEquals(List.of("7"), request.headers().get("x-agent"));
            assertEquals(List.of("7"), request.headerValues("X-AGENT"));
            assertEquals(Map.of("region", List.of("eu"), "tag", List.of("a", "b")), request.query());
            assertEquals("eu", request.queryParameter("region").orElseThrow());
            InetSocketAddress remote = request.remoteAddress();
            assertTrue(remote.getAddress().isLoopbackAddress(), remote.toString());
            assertTrue(!request.toString().contains("alice"), "toString must not show header values: " + request);
        }
    }

    @Test
    void throwingAuthenticatorGives500AndLeavesOtherAgentsConnected() throws Exception {
        try (LoggedRecords logged = LoggedRecords.of("io.swaggersocket.server.HttpGuard")) {
            EventLog log = new EventLog();
            try (SocketServer server = start(TOKENS, log)) {
                Dialer.Dialed alice = dial(server, Map.of("Authorization", "Bearer alice")).get(10, TimeUnit.SECONDS);
                String id = alice.connection().id();
                log.next(ConnectionEvent.Type.RECEIVED, id);

                Throwable failure = dialFailure(server, Map.of("Authorization", "Bearer alice", "X-Boom", "1"));
                assertEquals("Invalid response code 500", failure.getMessage());
                RawHttp.Response raw = RawHttp.upgrade(server.port(), "/tunnel", null, "X-Boom: 1");
                assertEquals(500, raw.status());
                assertEquals("{\"error\":\"authentication failed on the server\"}", raw.body());

                try (ClassicHttpResponse response = server.connection(id).orElseThrow()
                        .execute(ClassicRequestBuilder.get("/still-there").build(), Duration.ofSeconds(10))) {
                    assertEquals(200, response.getCode());
                    assertEquals("ok", EntityUtils.toString(response.getEntity()));
                }
                assertEquals(1, server.activeConnections().size());
                assertEquals(null, log.poll());
            }
            // logged where it happened, not printed: the caller sees only the 500
            logged.await(LoggedRecords.thrown(Level.WARNING, "token store unreachable"), Duration.ofSeconds(10));
        }
    }

    @Test
    void nullFromTheAuthenticatorGives500() throws Exception {
        try (LoggedRecords logged = LoggedRecords.of("io.swaggersocket.server.HttpGuard")) {
            EventLog log = new EventLog();
            try (SocketServer server = start(request -> null, log)) {
                assertEquals(500, RawHttp.upgrade(server.port(), "/tunnel", null).status());
            }
            // logged where it happened, not printed: the caller sees only the 500
            logged.await(LoggedRecords.thrown(Level.WARNING,
                    "expected an AuthResult but the authenticator returned null"), Duration.ofSeconds(10));
        }
    }

    @Test
    void defaultAuthenticatorAcceptsEveryoneWithoutPrincipal() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build()) {
            server.addListener(log);
            server.start();
            Dialer.Dialed agent = dial(server, Map.of()).get(10, TimeUnit.SECONDS);
            ConnectionEvent received = log.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());
            assertTrue(received.connection().principal().isEmpty());
        }
    }

    @Test
    void authenticatorRunsOffTheIoThreads() throws Exception {
        CompletableFuture<String> thread = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        Authenticator blocking = request -> {
            calls.incrementAndGet();
            thread.complete(Thread.currentThread().getName());
            return AuthResult.accept();
        };
        try (SocketServer server = start(blocking, new EventLog())) {
            dial(server, Map.of()).get(10, TimeUnit.SECONDS);
            assertTrue(!thread.get().contains("I/O"), "authenticator ran on " + thread.get());
            assertEquals(1, calls.get());
        }
    }

    @Test
    void authResultValidatesItsValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AuthResult.reject(404, "x"));
        assertEquals("status: expected 401 or 403 but was 404", e.getMessage());
        assertThrows(NullPointerException.class, () -> AuthResult.reject(401, null));
        assertThrows(NullPointerException.class, () -> AuthResult.accept(null));
        e = assertThrows(IllegalArgumentException.class, () -> AuthResult.unauthorized("x".repeat(1025)));
        assertEquals("message: 1025 UTF-8 bytes is over the limit of 1024", e.getMessage());
    }
}
