package io.swaggersocket.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.ClientState;
import io.swaggersocket.client.ClientStateEvent;
import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamContext;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import io.swaggersocket.testing.Bodies;
import io.swaggersocket.testing.FaultRelay;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real server and agent with a {@link FaultRelay} between them that breaks the network mid-call:
 * a stall and a one-way stall are found by the heartbeat, a cut fails the body being read, and the
 * agent comes back once the network does. Every wait is on an event, bounded only to fail.
 */
@Timeout(60)
class NetworkFaultTest {
    /** Short enough to keep the tests quick, long enough that a loaded machine never misses a ping. */
    private static final ConnectionConfig FAST_HEARTBEAT = ConnectionConfig.builder()
            .heartbeat(Duration.ofMillis(100), Duration.ofMillis(600)).build();
    private static final ReconnectPolicy FAST_RECONNECT = ReconnectPolicy.builder()
            .initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(200)).build();
    private static final int HEARTBEAT_TIMEOUT = 4005;
    private static final int ABNORMAL = 1006;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final BlockingQueue<ConnectionEvent> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<ClientStateEvent> states = new LinkedBlockingQueue<>();
    private SocketServer server;
    private FaultRelay network;
    private SocketClient agent;

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

    /** Starts the server, the relay and the agent; returns the server's end of the first connection. */
    private SocketConnection start(HttpRequestHandler agentHandler) throws Exception {
        server = track(SocketServer.builder().bind("127.0.0.1", 0).connectionConfig(FAST_HEARTBEAT).build());
        server.addListener(events::add);
        server.start();
        network = track(new FaultRelay(server.port()));
        agent = track(SocketClient.builder(URI.create("ws://127.0.0.1:" + network.port() + "/tunnel"))
                .connectionConfig(FAST_HEARTBEAT).reconnect(FAST_RECONNECT).build());
        agent.addStateListener(states::add);
        agent.serve(agentHandler);
        agent.connect();
        return nextEvent(ConnectionEvent.Type.RECEIVED).connection();
    }

    private ConnectionEvent nextEvent(ConnectionEvent.Type type) throws InterruptedException {
        ConnectionEvent e = events.poll(20, TimeUnit.SECONDS);
        assertTrue(e != null && e.type() == type, "expected " + type + " but was " + e);
        return e;
    }

    /** The next event of the agent in {@code state}, skipping others (reconnect attempts come and go). */
    private ClientStateEvent nextState(ClientState state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (ClientStateEvent e; (e = states.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
            if (e.state() == state) {
                return e;
            }
        }
        throw new AssertionError("expected the agent to become " + state + " within 20 s but it did not");
    }

    /** After a heal: the agent is connected again, on a new connection that answers. */
    private void assertAgentIsBack(String lostId) throws Exception {
        ClientStateEvent connected = nextState(ClientState.CONNECTED);
        while (lostId.equals(connected.connectionId())) { // the first connection's own event
            connected = nextState(ClientState.CONNECTED);
        }
        assertNotEquals(lostId, connected.connectionId());
        SocketConnection back = received(connected.connectionId()); // the agent may know before the server

        try (ClassicHttpResponse r = back.execute(ClassicRequestBuilder.get("/again").build())) {
            assertEquals(200, r.getCode());
            assertEquals("back GET /again", EntityUtils.toString(r.getEntity()));
        }
    }

    /** The server's end of connection {@code id} once it is received, skipping other events. */
    private SocketConnection received(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (ConnectionEvent e; (e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
            if (e.type() == ConnectionEvent.Type.RECEIVED && e.connectionId().equals(id)) {
                return e.connection();
            }
        }
        throw new AssertionError("expected the server to receive connection " + id + " within 20 s but it did not");
    }

    /** Answers "back", and holds calls to /hang until they are cancelled or the connection is lost. */
    private static HttpRequestHandler hangsOrAnswers(CountDownLatch hanging) {
        return (request, response, context) -> {
            if (request.getPath().startsWith("/hang")) {
                hanging.countDown();
                try {
                    StreamContext.of(context).cancellation().toCompletableFuture().get(30, TimeUnit.SECONDS);
                } catch (InterruptedException | ExecutionException | TimeoutException e) {
                    throw new IOException(e);
                }
            }
            response.setEntity(new StringEntity("back " + request.getMethod() + " " + request.getPath(),
                    ContentType.TEXT_PLAIN));
        };
    }

    @Test
    void aStallMidCallFailsTheCallsInFlightByHeartbeatAndTheAgentReconnectsAfterHeal() throws Exception {
        CountDownLatch hanging = new CountDownLatch(3);
        SocketConnection first = start(hangsOrAnswers(hanging));
        List<CompletableFuture<ClassicHttpResponse>> inFlight = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inFlight.add(first.executeAsync(ClassicRequestBuilder.get("/hang/" + i).build()));
        }
        assertTrue(hanging.await(10, TimeUnit.SECONDS));

        network.stall(); // nothing moves, nothing closes, and new connections are held as well

        ConnectionEvent failure = nextEvent(ConnectionEvent.Type.FAILURE);
        assertEquals(HEARTBEAT_TIMEOUT, failure.cause().closeCode());
        for (CompletableFuture<ClassicHttpResponse> call : inFlight) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
            assertEquals(HEARTBEAT_TIMEOUT, assertInstanceOf(SocketClosedException.class, e.getCause()).closeCode());
        }
        ClientStateEvent lost = nextState(ClientState.DISCONNECTED);
        assertEquals(HEARTBEAT_TIMEOUT, assertInstanceOf(SocketClosedException.class, lost.cause()).closeCode());

        network.heal();
        assertAgentIsBack(failure.connectionId());
    }

    @ParameterizedTest(name = "declared length: {0}")
    @ValueSource(booleans = {false, true})
    void aCutMidBodyFailsTheReadWithSocketClosedExceptionNeverAnEarlyEnd(boolean declareLength) throws Exception {
        long size = 1L << 30; // far more than flows before the cut
        SocketConnection first = start((request, response, context) -> {
            if (request.getPath().equals("/big")) {
                response.setEntity(Bodies.generated(size, 5, declareLength));
            } else {
                response.setEntity(new StringEntity("back " + request.getMethod() + " " + request.getPath(),
                        ContentType.TEXT_PLAIN));
            }
        });
        try (ClassicHttpResponse response = first.execute(ClassicRequestBuilder.get("/big").build())) {
            InputStream body = response.getEntity().getContent();
            assertEquals(1 << 20, body.readNBytes(1 << 20).length); // mid-body

            network.cut(); // TCP reset both ways: no close frame, no END_STREAM

            byte[] buffer = new byte[64 * 1024];
            long[] more = {0};
            IOException e = assertThrows(IOException.class, () -> {
                for (int n; (n = body.read(buffer)) >= 0; ) {
                    more[0] += n;
                }
            }, () -> "expected the read to fail but the body ended after " + ((1 << 20) + more[0]) + " of " + size
                    + " bytes");
            assertEquals(ABNORMAL, assertInstanceOf(SocketClosedException.class, e).closeCode());
        }
        ConnectionEvent failure = nextEvent(ConnectionEvent.Type.FAILURE);
        assertEquals(ABNORMAL, failure.cause().closeCode());
        assertAgentIsBack(failure.connectionId());
    }

    /**
     * One direction goes silent. The side that stops hearing finds it by its heartbeat; the other
     * side still hears pings, so it learns of the loss from that side's close or from the socket.
     */
    @ParameterizedTest(name = "{0} stops")
    @EnumSource(FaultRelay.Direction.class)
    void aHalfOpenConnectionIsFoundByTheHeartbeatOfTheSideThatStopsHearing(FaultRelay.Direction silent)
            throws Exception {
        SocketConnection first = start(hangsOrAnswers(new CountDownLatch(0)));

        network.halfOpen(silent);

        SocketClosedException agentLoss = assertInstanceOf(SocketClosedException.class,
                nextState(ClientState.DISCONNECTED).cause());
        SocketClosedException serverLoss = nextEvent(ConnectionEvent.Type.FAILURE).cause();
        SocketClosedException deaf = silent == FaultRelay.Direction.TO_TARGET ? serverLoss : agentLoss;
        SocketClosedException told = silent == FaultRelay.Direction.TO_TARGET ? agentLoss : serverLoss;
        assertEquals(HEARTBEAT_TIMEOUT, deaf.closeCode(), deaf.getMessage());
        assertTrue(deaf.getMessage().contains("nothing received for"), deaf.getMessage());
        assertTrue(told.closeCode() == HEARTBEAT_TIMEOUT || told.closeCode() == ABNORMAL,
                "expected the other side to end with 4005 or 1006 but was " + told.closeCode() + ": " + told.getMessage());

        network.heal();
        assertAgentIsBack(first.id());
    }
}
