package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.HandshakeException;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SocketClientTest {
    private static final ConnectionConfig CONFIG = ConnectionConfig.builder()
            .handshakeTimeout(Duration.ofSeconds(3))
            .requestTimeout(Duration.ofSeconds(5))
            .shutdownGracePeriod(Duration.ofSeconds(2))
            .build();
    /** Fast and without jitter, so the tests need no long waits. */
    private static final ReconnectPolicy FAST = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(20))
            .maxDelay(Duration.ofMillis(100)).jitter(0).build();

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final BlockingQueue<ClientStateEvent> events = new LinkedBlockingQueue<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private TestServer server(ConnectionConfig config) {
        TestServer server = TestServer.start(config);
        resources.add(server);
        return server;
    }

    private SocketClient.Builder clientFor(URI uri) {
        return SocketClient.builder(uri).connectionConfig(CONFIG).reconnect(FAST);
    }

    private SocketClient track(SocketClient client) {
        client.addStateListener(events::add);
        resources.add(client);
        return client;
    }

    private ClientStateEvent nextEvent() throws InterruptedException {
        ClientStateEvent e = events.poll(5, TimeUnit.SECONDS);
        assertNotNull(e, "no state event within 5 s");
        return e;
    }

    private ClientStateEvent expect(ClientState state) throws InterruptedException {
        ClientStateEvent e = nextEvent();
        assertEquals(state, e.state(), () -> "event " + e);
        return e;
    }

    private static String call(SocketConnection connection, String path) throws IOException {
        try (ClassicHttpResponse r = connection.execute(ClassicRequestBuilder.get(path).build())) {
            return r.getCode() + " " + EntityUtils.toString(r.getEntity());
        } catch (org.apache.hc.core5.http.ParseException e) {
            throw new IOException(e);
        }
    }

    record AgentInfo(String name, int slots) {
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void connectSendsMetadataAndHeadersAndTheAgentCallsTheServer() throws Exception {
        TestServer server = server(CONFIG);
        SocketClient client = track(clientFor(server.uri()).metadata(new AgentInfo("build-42", 3))
                .header("Authorization", "Bearer s3cret").header("X-Agent", "a").header("X-Agent", "b").build());

        SocketConnection connection = client.connect();
        SocketConnection accepted = server.nextConnection();

        assertEquals(accepted.id(), connection.id());
        assertEquals("build-42", accepted.metadata().get("name").asText());
        assertEquals(3, accepted.metadata().get("slots").asInt());
        Map<String, List<String>> headers = server.nextUpgradeHeaders();
        assertEquals(List.of("Bearer s3cret"), headers.get("authorization"));
        assertEquals(List.of("a", "b"), headers.get("x-agent"));
        assertEquals(List.of("websocket"), headers.get("upgrade"));
        assertEquals("200 server got GET /status", call(connection, "/status"));
        assertSame(connection, client.connection().orElseThrow());
        assertSame(connection, client.awaitConnection(Duration.ofSeconds(1)));
        assertEquals(ClientState.CONNECTING, nextEvent().state());
        ClientStateEvent connected = expect(ClientState.CONNECTED);
        assertEquals(connection.id(), connected.connectionId());
        assertEquals(1, connected.attempt());
        assertTrue(connection.isDialer());
    }

    @Test
    void jsonNodeMetadataPassesThrough() throws Exception {
        TestServer server = server(CONFIG);
        var node = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("zone", "eu-1");
        SocketClient client = track(clientFor(server.uri()).metadata(node).build());
        client.connect();
        assertEquals("{\"zone\":\"eu-1\"}", server.nextConnection().metadata().toString());
    }

    @Test
    void theServerCallsTheAgentsHandler() throws Exception {
        TestServer server = server(CONFIG);
        SocketClient client = track(clientFor(server.uri()).build());
        client.serve((request, response, context) -> response.setEntity(
                new StringEntity("agent answers " + request.getPath(), ContentType.TEXT_PLAIN)));
        client.connect();
        SocketConnection accepted = server.nextConnection();
        assertEquals("200 agent answers /jobs/7", call(accepted, "/jobs/7"));
    }

    @Test
    void withoutAHandlerTheServerGets503() throws Exception {
        TestServer server = server(CONFIG);
        SocketClient client = track(clientFor(server.uri()).build());
        client.connect();
        assertTrue(call(server.nextConnection(), "/x").startsWith("503 "));
    }

    @Test
    void unauthorizedIsAnAuthenticationExceptionWithTheServersMessage() throws Exception {
        TestServer server = server(CONFIG);
        server.rejectStatus = 401;
        server.rejectBody = "token expired";
        SocketClient client = track(clientFor(server.uri()).header("Authorization", "Bearer old-token").build());

        AuthenticationException e = assertThrows(AuthenticationException.class, client::connect);

        assertEquals(401, e.status());
        assertEquals("token expired", e.serverMessage());
        assertEquals("the server at ws://127.0.0.1:" + server.port()
                + "/agents refused the WebSocket upgrade with 401 Unauthorized: token expired", e.getMessage());
        assertFalse(e.getMessage().contains("old-token"));
        expect(ClientState.CONNECTING);
        ClientStateEvent disconnected = expect(ClientState.DISCONNECTED);
        assertSame(e, disconnected.cause());
        assertNull(disconnected.retryDelay(), "a failed connect() is not retried");

        // the client stays usable: once the server accepts, connect() works
        server.rejectStatus = 0;
        assertNotNull(client.connect().id());
    }

    @Test
    void forbiddenIsAnAuthenticationExceptionWith403() throws Exception {
        TestServer server = server(CONFIG);
        server.rejectStatus = 403;
        server.rejectBody = "agent build-42 is banned";
        SocketClient client = track(clientFor(server.uri()).build());
        AuthenticationException e = assertThrows(AuthenticationException.class, client::connect);
        assertEquals(403, e.status());
        assertEquals("agent build-42 is banned", e.serverMessage());
        assertTrue(e.getMessage().contains("403 Forbidden"), e.getMessage());
    }

    @Test
    void otherRefusalsNameTheStatus() throws Exception {
        TestServer server = server(CONFIG);
        server.rejectStatus = 503;
        server.rejectBody = "draining";
        SocketClient client = track(clientFor(server.uri()).build());
        IOException e = assertThrows(IOException.class, client::connect);
        assertEquals("expected 101 Switching Protocols from ws://127.0.0.1:" + server.port()
                + "/agents but was 503 Service Unavailable: draining", e.getMessage());
    }

    @Test
    void anUnreachableServerFailsQuicklyAndClearly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        SocketClient client = track(clientFor(URI.create("ws://127.0.0.1:" + port + "/agents")).build());
        long start = System.nanoTime();
        ConnectException e = assertThrows(ConnectException.class, client::connect);
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
        assertTrue(e.getMessage().startsWith("cannot reach ws://127.0.0.1:" + port + "/agents: "), e.getMessage());
    }

    @Test
    void aServerThatNeverAnswersHelloTimesOutWithinTheHandshakeTimeout() throws Exception {
        TestServer server = server(CONFIG);
        server.mode = TestServer.Mode.NO_WELCOME;
        ConnectionConfig quick = CONFIG.toBuilder().handshakeTimeout(Duration.ofMillis(300)).build();
        SocketClient client = track(clientFor(server.uri()).connectionConfig(quick).build());
        long start = System.nanoTime();
        HandshakeException e = assertThrows(HandshakeException.class, client::connect);
        assertEquals(CloseCode.HANDSHAKE_TIMEOUT, e.closeCode());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 2000);
    }

    @Test
    void aHandshakeFailureIsTheHandshakeException() throws Exception {
        TestServer server = server(CONFIG);
        server.mode = TestServer.Mode.WRONG_VERSION;
        SocketClient client = track(clientFor(server.uri()).build());
        HandshakeException e = assertThrows(HandshakeException.class, client::connect);
        assertEquals(CloseCode.HANDSHAKE_VERSION_MISMATCH, e.closeCode());
    }

    @Test
    void reconnectsAfterTheServerDropsTheConnection() throws Exception {
        TestServer server = server(CONFIG);
        SocketClient client = track(clientFor(server.uri()).build());
        client.serve((request, response, context) -> response.setEntity(
                new StringEntity("still here", ContentType.TEXT_PLAIN)));
        SocketConnection first = client.connect();
        server.nextConnection();

        server.dropAll();

        assertEquals(ClientState.CONNECTING, nextEvent().state());
        assertEquals(first.id(), expect(ClientState.CONNECTED).connectionId());
        ClientStateEvent lost = expect(ClientState.DISCONNECTED);
        assertEquals(first.id(), lost.connectionId());
        assertInstanceOf(SocketClosedException.class, lost.cause());
        assertEquals(Duration.ofMillis(20), lost.retryDelay());
        assertEquals(1, expect(ClientState.CONNECTING).attempt());
        ClientStateEvent again = expect(ClientState.CONNECTED);

        SocketConnection second = client.awaitConnection(TestServer.shortly());
        assertEquals(again.connectionId(), second.id());
        assertNotEquals(first.id(), second.id());
        SocketConnection accepted = server.nextConnection();
        assertEquals(second.id(), accepted.id());
        assertEquals("200 still here", call(accepted, "/ping"));
        assertEquals("200 server got GET /after", call(second, "/after"));
        assertFalse(first.isOpen());
    }

    @Test
    void reconnectsAfterTheServerDrains() throws Exception {
        TestServer server = server(CONFIG);
        SocketClient client = track(clientFor(server.uri()).build());
        SocketConnection first = client.connect();
        server.nextConnection().shutdown();

        SocketConnection accepted = server.nextConnection();
        assertNotEquals(first.id(), accepted.id());
        expect(ClientState.CONNECTING);
        expect(ClientState.CONNECTED);
        ClientStateEvent drained = expect(ClientState.DISCONNECTED);
        assertInstanceOf(SocketClosedException.class, drained.cause());
        expect(ClientState.CONNECTING);
        assertEquals(accepted.id(), expect(ClientState.CONNECTED).connectionId());
    }

    @Test
    void aDrainIsNoFailureTheNextDialComesWithoutTheBackoff() throws Exception {
        TestServer server = server(CONFIG);
        // A first backoff of an hour: were the drain counted as a loss, the redial would never come in time.
        SocketClient client = track(SocketClient.builder(server.uri()).connectionConfig(CONFIG)
                .reconnect(ReconnectPolicy.builder().initialDelay(Duration.ofHours(1)).maxDelay(Duration.ofHours(1))
                        .build()).random(() -> 0.0).build());
        SocketConnection first = client.connect();
        server.nextConnection().shutdown();

        SocketConnection accepted = server.nextConnection();
        assertNotEquals(first.id(), accepted.id());
        expect(ClientState.CONNECTING);
        expect(ClientState.CONNECTED);
        ClientStateEvent drained = expect(ClientState.DISCONNECTED);
        assertEquals(Duration.ZERO, drained.retryDelay());
        assertEquals(accepted.id(), client.awaitConnection(TestServer.shortly()).id());
    }

    @Test
    void aDrainingServerGetsANewConnectionWhileTheOldOneFinishesItsCalls() throws Exception {
        TestServer server = server(CONFIG);
        SocketClient client = track(clientFor(server.uri()).build());
        java.util.concurrent.CountDownLatch inHandler = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        client.serve((request, response, context) -> {
            inHandler.countDown();
            try {
                release.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            response.setEntity(new org.apache.hc.core5.http.io.entity.StringEntity("finished"));
        });
        SocketConnection first = client.connect();
        SocketConnection old = server.nextConnection();
        var slowCall = old.executeAsync(org.apache.hc.core5.http.io.support.ClassicRequestBuilder.get("/slow").build());
        assertTrue(inHandler.await(10, java.util.concurrent.TimeUnit.SECONDS));
        old.shutdown();

        SocketConnection replacement = server.nextConnection(); // dialed while the old call is still running
        assertNotEquals(first.id(), replacement.id());
        assertEquals(1, old.activeStreams());
        release.countDown();
        try (var response = slowCall.get(10, java.util.concurrent.TimeUnit.SECONDS)) {
            assertEquals("finished", org.apache.hc.core5.http.io.entity.EntityUtils.toString(response.getEntity()));
        }
        assertTrue(old.awaitTermination(Duration.ofSeconds(10)));
    }

    @Test
    void failedAttemptsBackOffAndStopAfterMaxAttempts() throws Exception {
        TestServer server = TestServer.start(CONFIG);
        ReconnectPolicy twice = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(10)).multiplier(2)
                .maxDelay(Duration.ofMillis(100)).jitter(0).maxAttempts(2).build();
        SocketClient client = track(clientFor(server.uri()).reconnect(twice).build());
        client.connect();
        server.close();

        expect(ClientState.CONNECTING);
        expect(ClientState.CONNECTED);
        assertEquals(Duration.ofMillis(10), expect(ClientState.DISCONNECTED).retryDelay());
        assertEquals(1, expect(ClientState.CONNECTING).attempt());
        ClientStateEvent failed = expect(ClientState.DISCONNECTED);
        assertEquals(1, failed.attempt());
        assertInstanceOf(ConnectException.class, failed.cause());
        assertEquals(Duration.ofMillis(20), failed.retryDelay());
        assertEquals(2, expect(ClientState.CONNECTING).attempt());
        ClientStateEvent closed = expect(ClientState.CLOSED);
        assertInstanceOf(ConnectException.class, closed.cause());
        assertTrue(client.isClosed());
        IOException e = assertThrows(IOException.class, () -> client.awaitConnection(Duration.ofSeconds(1)));
        assertSame(closed.cause(), e.getCause());
    }

    @Test
    void anAuthFailureWhileReconnectingClosesTheClient() throws Exception {
        TestServer server = server(CONFIG);
        SocketClient client = track(clientFor(server.uri()).build());
        client.connect();
        server.nextConnection();
        server.rejectStatus = 401;
        server.rejectBody = "revoked";
        server.dropAll();

        expect(ClientState.CONNECTING);
        expect(ClientState.CONNECTED);
        expect(ClientState.DISCONNECTED);
        expect(ClientState.CONNECTING);
        ClientStateEvent closed = expect(ClientState.CLOSED);
        AuthenticationException auth = assertInstanceOf(AuthenticationException.class, closed.cause());
        assertEquals(401, auth.status());
        assertEquals("revoked", auth.serverMessage());
        IOException e = assertThrows(IOException.class, () -> client.awaitConnection(Duration.ofSeconds(1)));
        assertSame(auth, e.getCause());
        assertThrows(IllegalStateException.class, client::connect);
        client.close(); // after giving up, close() only releases the thread: no second CLOSED
        assertNull(events.poll(100, TimeUnit.MILLISECONDS));
    }

    @Test
    void anAuthFailureIsRetriedWhenThePolicySaysSo() throws Exception {
        TestServer server = server(CONFIG);
        ReconnectPolicy retryAuth = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(20))
                .maxDelay(Duration.ofMillis(100)).jitter(0).retryOnAuthFailure(true).build();
        SocketClient client = track(clientFor(server.uri()).reconnect(retryAuth).build());
        client.connect();
        server.nextConnection();
        server.rejectStatus = 403;
        server.dropAll();

        expect(ClientState.CONNECTING);
        expect(ClientState.CONNECTED);
        expect(ClientState.DISCONNECTED);
        expect(ClientState.CONNECTING);
        ClientStateEvent refused = expect(ClientState.DISCONNECTED);
        assertEquals(403, assertInstanceOf(AuthenticationException.class, refused.cause()).status());
        assertNotNull(refused.retryDelay());
        server.rejectStatus = 0;
        SocketConnection back = client.awaitConnection(TestServer.shortly());
        assertEquals("200 server got GET /ok", call(back, "/ok"));
    }

    @Test
    void closeStopsReconnectingClosesGracefullyAndEmitsClosed() throws Exception {
        TestServer server = server(CONFIG);
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        scheduler.setRemoveOnCancelPolicy(true);
        resources.add(scheduler::shutdownNow);
        ReconnectPolicy slow = ReconnectPolicy.builder().initialDelay(Duration.ofMinutes(10))
                .maxDelay(Duration.ofMinutes(10)).build();
        SocketClient client = track(clientFor(server.uri()).reconnect(slow).scheduler(scheduler).build());
        client.connect();
        server.nextConnection();
        server.dropAll();
        expect(ClientState.CONNECTING);
        expect(ClientState.CONNECTED);
        assertNotNull(expect(ClientState.DISCONNECTED).retryDelay());
        assertEquals(1, scheduler.getQueue().size(), "the reconnect is scheduled");

        client.close();

        assertTrue(scheduler.getQueue().isEmpty(), "the scheduled reconnect is cancelled");
        ClientStateEvent closed = expect(ClientState.CLOSED);
        assertNull(closed.cause());
        assertTrue(client.isClosed());
        assertTrue(client.connection().isEmpty());
        client.close(); // idempotent
        assertNull(events.poll(100, TimeUnit.MILLISECONDS));
        assertThrows(IllegalStateException.class, client::connect);
    }

    @Test
    void closeShutsTheConnectionDownGracefully() throws Exception {
        TestServer server = server(CONFIG);
        SocketClient client = track(clientFor(server.uri()).build());
        SocketConnection connection = client.connect();
        SocketConnection accepted = server.nextConnection();

        client.close();

        accepted.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS); // normal, not exceptional
        connection.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
        expect(ClientState.CONNECTING);
        expect(ClientState.CONNECTED);
        expect(ClientState.CLOSED);
        assertNull(events.poll(100, TimeUnit.MILLISECONDS), "no reconnect after close()");
    }

    @Test
    void closeDuringConnectFailsTheConnect() throws Exception {
        TestServer server = server(CONFIG);
        server.mode = TestServer.Mode.NO_WELCOME;
        SocketClient client = track(clientFor(server.uri()).build());
        var connecting = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return client.connect();
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        server.nextUpgradeHeaders();
        expect(ClientState.CONNECTING);
        client.close();
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> connecting.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("was closed while connecting"), e.getCause().toString());
        expect(ClientState.CLOSED);
    }

    @Test
    @Timeout(90)
    void closeRacingAReconnectLeavesNothingOpenAndNothingAfterClosed() throws Exception {
        TestServer server = server(CONFIG);
        ReconnectPolicy immediate = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(1))
                .maxDelay(Duration.ofMillis(1)).jitter(0).build();
        for (int i = 0; i < 40; i++) {
            List<ClientStateEvent> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            BlockingQueue<ClientStateEvent> closed = new LinkedBlockingQueue<>();
            SocketClient client = clientFor(server.uri()).reconnect(immediate).build();
            client.addStateListener(e -> {
                seen.add(e);
                if (e.state() == ClientState.CLOSED) {
                    closed.add(e);
                }
            });
            client.connect();
            server.dropAll();
            for (int spin = 0; spin < i * 500; spin++) {
                Thread.onSpinWait(); // vary where in the reconnect the close lands
            }
            client.close();

            assertNotNull(closed.poll(5, TimeUnit.SECONDS), "iteration " + i + ": no CLOSED");
            assertTrue(client.connection().isEmpty());
            assertNull(closed.poll(50, TimeUnit.MILLISECONDS), "iteration " + i + ": a second CLOSED");
            assertEquals(ClientState.CLOSED, seen.get(seen.size() - 1).state(), "iteration " + i + ": " + seen);
            for (SocketConnection accepted; (accepted = server.accepted.poll()) != null; ) {
                accepted.closeFuture().toCompletableFuture().handle((v, t) -> null).get(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theHeartbeatFindsAServerThatStoppedAnswering() throws Exception {
        ConnectionConfig heartbeat = CONFIG.toBuilder()
                .heartbeat(Duration.ofMillis(100), Duration.ofMillis(300)).build();
        TestServer server = server(heartbeat);
        server.mode = TestServer.Mode.SILENT_AFTER_HANDSHAKE;
        SocketClient client = track(clientFor(server.uri()).connectionConfig(heartbeat)
                .reconnect(ReconnectPolicy.disabled()).build());
        SocketConnection connection = client.connect();

        var e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> connection.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS));
        SocketClosedException closed = assertInstanceOf(SocketClosedException.class, e.getCause());
        assertEquals(CloseCode.HEARTBEAT_TIMEOUT.code(), closed.closeCode());
        expect(ClientState.CONNECTING);
        expect(ClientState.CONNECTED);
        assertSame(closed, expect(ClientState.CLOSED).cause(), "reconnect is disabled: the client gives up");
    }

    @Test
    void anIdleConnectionStaysUpAcrossManyHeartbeats() throws Exception {
        ConnectionConfig heartbeat = CONFIG.toBuilder()
                .heartbeat(Duration.ofMillis(100), Duration.ofMillis(300)).build();
        TestServer server = server(heartbeat);
        SocketClient client = track(clientFor(server.uri()).connectionConfig(heartbeat).build());
        SocketConnection connection = client.connect();
        SocketConnection accepted = server.nextConnection();
        assertEquals(100, connection.settings().heartbeatIntervalMillis());

        // Nothing but pings flows for 1.5 s: five heartbeat timeouts. Neither side may give up.
        assertThrows(TimeoutException.class,
                () -> connection.closeFuture().toCompletableFuture().get(1500, TimeUnit.MILLISECONDS));
        assertTrue(accepted.isOpen());
        assertSame(connection, client.connection().orElseThrow());
        assertEquals("200 server got GET /still", call(connection, "/still"));
    }

    @Test
    void awaitConnectionTimesOutWhenNeverConnected() throws Exception {
        SocketClient client = track(clientFor(URI.create("ws://127.0.0.1:9/agents")).build());
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class,
                () -> client.awaitConnection(Duration.ofMillis(50)));
        assertEquals("no connection to ws://127.0.0.1:9/agents within PT0.05S", e.getMessage());
    }

    @Test
    void builderRejectsBadInputWithClearMessages() {
        assertEquals("serverUri: expected a ws:// or wss:// address but was http://",
                assertThrows(IllegalArgumentException.class,
                        () -> SocketClient.builder(URI.create("http://example.com/agents"))).getMessage());
        assertEquals("serverUri: expected a ws:// or wss:// address but was a relative address",
                assertThrows(IllegalArgumentException.class,
                        () -> SocketClient.builder(URI.create("/agents"))).getMessage());
        assertEquals("serverUri: user info is not sent; pass credentials with header()",
                assertThrows(IllegalArgumentException.class,
                        () -> SocketClient.builder(URI.create("ws://me:pw@example.com/"))).getMessage());
        var b = SocketClient.builder(URI.create("WS://example.com/agents"));
        assertEquals("header X-Token: the value holds a line break or NUL",
                assertThrows(IllegalArgumentException.class, () -> b.header("X-Token", "a\r\nInjected: 1")).getMessage());
        assertEquals("header name: Upgrade is set by the WebSocket handshake itself",
                assertThrows(IllegalArgumentException.class, () -> b.header("Upgrade", "h2c")).getMessage());
        assertEquals("header name: \"Bad Name\" is not an HTTP token",
                assertThrows(IllegalArgumentException.class, () -> b.header("Bad Name", "x")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.metadata(new Object()));
    }
}
