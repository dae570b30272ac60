package io.swaggersocket.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.AuthenticationException;
import io.swaggersocket.client.ClientState;
import io.swaggersocket.client.ClientStateEvent;
import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamContext;
import io.swaggersocket.server.AuthResult;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import io.swaggersocket.testing.FaultRelay;
import java.net.URI;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real server and real agents on 127.0.0.1: both directions, many agents, failures, auth, drain. */
@Timeout(60)
class TunnelEndToEndTest {
    private static final ReconnectPolicy FAST_RECONNECT = ReconnectPolicy.builder()
            .initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(200)).build();

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final BlockingQueue<ConnectionEvent> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<ClientStateEvent> states = new LinkedBlockingQueue<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private SocketServer server(SocketServer.Builder builder) throws Exception {
        SocketServer server = track(builder.bind("127.0.0.1", 0).build());
        server.addListener(events::add);
        server.start();
        return server;
    }

    private SocketClient agent(int port, String name, ConnectionConfig config) {
        SocketClient client = track(SocketClient.builder(URI.create("ws://127.0.0.1:" + port + "/tunnel"))
                .metadata(Map.of("name", name)).connectionConfig(config).reconnect(FAST_RECONNECT).build());
        client.addStateListener(states::add);
        return client;
    }

    private ConnectionEvent nextEvent(ConnectionEvent.Type type) throws InterruptedException {
        ConnectionEvent e = events.poll(20, TimeUnit.SECONDS);
        assertTrue(e != null && e.type() == type, "expected " + type + " but was " + e);
        return e;
    }

    private ClientStateEvent nextState(ClientState state) throws InterruptedException {
        ClientStateEvent e = states.poll(20, TimeUnit.SECONDS);
        assertTrue(e != null && e.state() == state, "expected " + state + " but was " + e);
        return e;
    }

    private static HttpRequestHandler says(String who) {
        return (request, response, context) -> response.setEntity(new StringEntity(
                who + " " + request.getMethod() + " " + request.getPath(), ContentType.TEXT_PLAIN));
    }

    private static String call(SocketConnection connection, String path) throws Exception {
        try (ClassicHttpResponse response = connection.execute(ClassicRequestBuilder.get(path).build())) {
            return response.getCode() + " " + EntityUtils.toString(response.getEntity());
        }
    }

    @Test
    void twoHundredConcurrentCallsEachWayOnOneSocket() throws Exception {
        ConnectionConfig config = ConnectionConfig.defaults();
        SocketServer server = server(SocketServer.builder().handler(says("server")));
        SocketClient agent = agent(server.port(), "a1", config);
        agent.serve(says("agent"));
        SocketConnection fromAgent = agent.connect();
        SocketConnection toAgent = nextEvent(ConnectionEvent.Type.RECEIVED).connection();
        List<CompletableFuture<ClassicHttpResponse>> up = new ArrayList<>();
        List<CompletableFuture<ClassicHttpResponse>> down = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            up.add(fromAgent.executeAsync(ClassicRequestBuilder.get("/up/" + i).build()));
            down.add(toAgent.executeAsync(ClassicRequestBuilder.get("/down/" + i).build()));
        }
        for (int i = 0; i < 200; i++) {
            try (ClassicHttpResponse r = up.get(i).get(20, TimeUnit.SECONDS)) {
                assertEquals("server GET /up/" + i, EntityUtils.toString(r.getEntity()));
            }
            try (ClassicHttpResponse r = down.get(i).get(20, TimeUnit.SECONDS)) {
                assertEquals("agent GET /down/" + i, EntityUtils.toString(r.getEntity()));
            }
        }
    }

    @Test
    void twentyAgentsAreEachFoundByTheirMetadata() throws Exception {
        SocketServer server = server(SocketServer.builder());
        for (int i = 0; i < 20; i++) {
            SocketClient agent = agent(server.port(), "agent-" + i, ConnectionConfig.defaults());
            agent.serve(says("agent-" + i));
            agent.connect();
            nextEvent(ConnectionEvent.Type.RECEIVED);
        }
        assertEquals(20, server.activeConnections().size());
        for (int i = 0; i < 20; i++) {
            String name = "agent-" + i;
            List<SocketConnection> found = server.connectionsByMetadata(m -> name.equals(m.path("name").asText()));
            assertEquals(1, found.size(), name);
            assertEquals("200 " + name + " GET /who", call(found.get(0), "/who"));
        }
    }

    @Test
    void anAgentKilledAbruptlyFailsItsCallsThenReconnectsAndServesAgain() throws Exception {
        SocketServer server = server(SocketServer.builder());
        FaultRelay network = track(new FaultRelay(server.port()));
        SocketClient agent = agent(network.port(), "a1", ConnectionConfig.defaults());
        CountDownLatch inHandler = new CountDownLatch(3);
        agent.serve((request, response, context) -> {
            if (request.getPath().startsWith("/hang")) {
                inHandler.countDown();
                try {
                    StreamContext.of(context).cancellation().toCompletableFuture().get(20, TimeUnit.SECONDS);
                } catch (InterruptedException | ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new java.io.IOException(e);
                }
            }
            response.setEntity(new StringEntity("alive", ContentType.TEXT_PLAIN));
        });
        String firstId = agent.connect().id();
        SocketConnection first = nextEvent(ConnectionEvent.Type.RECEIVED).connection();
        List<CompletableFuture<ClassicHttpResponse>> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inFlight.add(first.executeAsync(ClassicRequestBuilder.get("/hang/" + i).build()));
        }
        assertTrue(inHandler.await(10, TimeUnit.SECONDS));

        network.cut(); // TCP reset under the connection: no WebSocket close from anyone

        ConnectionEvent failure = nextEvent(ConnectionEvent.Type.FAILURE);
        assertEquals(firstId, failure.connectionId());
        assertEquals(1006, failure.cause().closeCode());
        for (CompletableFuture<ClassicHttpResponse> call : inFlight) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
            assertInstanceOf(SocketClosedException.class, e.getCause());
        }
        ConnectionEvent back = nextEvent(ConnectionEvent.Type.RECEIVED);
        assertNotEquals(firstId, back.connectionId());
        assertEquals("a1", back.metadata().path("name").asText());
        assertEquals("200 alive", call(back.connection(), "/ok"));
        assertTrue(server.connection(firstId).isEmpty());
    }

    @Test
    void anAgentThatStopsReadingIsFoundByTheHeartbeatOnBothSides() throws Exception {
        ConnectionConfig fast = ConnectionConfig.builder().heartbeat(Duration.ofMillis(100), Duration.ofMillis(400)).build();
        SocketServer server = server(SocketServer.builder().connectionConfig(fast));
        FaultRelay network = track(new FaultRelay(server.port()));
        SocketClient agent = agent(network.port(), "a1", fast);
        agent.serve(says("agent"));
        agent.connect();
        nextState(ClientState.CONNECTING);
        nextState(ClientState.CONNECTED);
        SocketConnection first = nextEvent(ConnectionEvent.Type.RECEIVED).connection();
        CompletableFuture<ClassicHttpResponse> inFlight;

        network.links().forEach(FaultRelay.Link::stall); // half-open: nothing moves, nothing is closed
        inFlight = first.executeAsync(ClassicRequestBuilder.get("/lost").build());

        ConnectionEvent failure = nextEvent(ConnectionEvent.Type.FAILURE);
        assertEquals(4005, failure.cause().closeCode());
        ExecutionException e = assertThrows(ExecutionException.class, () -> inFlight.get(10, TimeUnit.SECONDS));
        assertEquals(4005, assertInstanceOf(SocketClosedException.class, e.getCause()).closeCode());
        ClientStateEvent lost = nextState(ClientState.DISCONNECTED);
        assertEquals(4005, assertInstanceOf(SocketClosedException.class, lost.cause()).closeCode());
        nextState(ClientState.CONNECTING);
        nextState(ClientState.CONNECTED);
        assertEquals("200 agent GET /again", call(nextEvent(ConnectionEvent.Type.RECEIVED).connection(), "/again"));
    }

    @Test
    void aBadTokenIsRefusedWith401AndAGoodOneIsAcceptedWithItsPrincipal() throws Exception {
        SocketServer server = server(SocketServer.builder().authenticator(request ->
                request.header("Authorization").filter("Bearer s3cret"::equals).isPresent()
                        ? AuthResult.accept((Principal) () -> "agent-key-1")
                        : AuthResult.unauthorized("missing or wrong token")));
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/tunnel");
        SocketClient wrong = track(SocketClient.builder(uri).header("Authorization", "Bearer guess").build());
        AuthenticationException refused = assertThrows(AuthenticationException.class, wrong::connect);
        assertEquals(401, refused.status());
        assertTrue(refused.getMessage().contains("missing or wrong token"), refused.getMessage());
        assertTrue(!refused.getMessage().contains("guess"), "the token never appears in messages");

        SocketClient right = track(SocketClient.builder(uri).header("Authorization", "Bearer s3cret").build());
        right.connect();
        SocketConnection accepted = nextEvent(ConnectionEvent.Type.RECEIVED).connection();
        assertEquals("agent-key-1", accepted.principal().orElseThrow().getName());
    }

    @Test
    void closingTheServerLetsCallsInFlightFinishBothWays() throws Exception {
        CountDownLatch serverBusy = new CountDownLatch(5);
        CountDownLatch agentBusy = new CountDownLatch(5);
        CountDownLatch release = new CountDownLatch(1);
        SocketServer server = server(SocketServer.builder().handler(gate(serverBusy, release, "server")));
        SocketClient agent = agent(server.port(), "a1", ConnectionConfig.defaults());
        agent.serve(gate(agentBusy, release, "agent"));
        SocketConnection fromAgent = agent.connect();
        SocketConnection toAgent = nextEvent(ConnectionEvent.Type.RECEIVED).connection();
        List<CompletableFuture<ClassicHttpResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(fromAgent.executeAsync(ClassicRequestBuilder.get("/up").build()));
            calls.add(toAgent.executeAsync(ClassicRequestBuilder.get("/down").build()));
        }
        assertTrue(serverBusy.await(10, TimeUnit.SECONDS) && agentBusy.await(10, TimeUnit.SECONDS));
        Thread closer = new Thread(server::close);
        closer.start();
        fromAgent.peerGoingAway().toCompletableFuture().get(10, TimeUnit.SECONDS); // the drain has begun
        assertThrows(io.swaggersocket.mux.StreamResetException.class,
                () -> toAgent.execute(ClassicRequestBuilder.get("/refused").build()));
        release.countDown();
        for (CompletableFuture<ClassicHttpResponse> call : calls) {
            try (ClassicHttpResponse r = call.get(20, TimeUnit.SECONDS)) {
                assertEquals(200, r.getCode());
            }
        }
        closer.join();
        assertEquals(ConnectionEvent.Type.CLOSED, nextEvent(ConnectionEvent.Type.CLOSED).type());
        assertTrue(server.activeConnections().isEmpty());
    }

    private static HttpRequestHandler gate(CountDownLatch busy, CountDownLatch release, String who) {
        return (request, response, context) -> {
            busy.countDown();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            response.setEntity(new StringEntity(who, ContentType.TEXT_PLAIN));
        };
    }
}
