package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.SocketConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link SocketServer#awaitConnection}: agents already there, agents still to come, and no agent at all. */
@Timeout(30)
class AwaitConnectionTest {
    private static Dialer dialer;
    private static ExecutorService waiters;

    @BeforeAll
    static void start() throws Exception {
        dialer = new Dialer();
        waiters = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "await-connection-test");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        waiters.shutdownNow();
        dialer.close();
    }

    private static SocketServer started(EventLog log) throws Exception {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build();
        server.addListener(log);
        server.start();
        return server;
    }

    private static JsonNode name(String name) {
        return JsonNodeFactory.instance.objectNode().put("name", name);
    }

    private static Predicate<JsonNode> named(String name) {
        return m -> name.equals(m.path("name").asText());
    }

    /** Dials an agent named {@code name} and waits until the server has it in its registry. */
    private static SocketConnection connect(SocketServer server, EventLog log, String name) throws Exception {
        String id = dialer.dial(server.uri(), name(name), null).get(10, TimeUnit.SECONDS).connection().id();
        return log.next(ConnectionEvent.Type.RECEIVED, id).connection();
    }

    @Test
    void anAgentAlreadyConnectedIsReturnedAtOnce() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = started(log)) {
            connect(server, log, "a");
            SocketConnection b = connect(server, log, "b");
            // a zero timeout looks only at the live connections: it cannot be an event that found it
            assertSame(b, server.awaitConnection(named("b"), Duration.ZERO));
        }
    }

    @Test
    void anAgentThatConnectsAfterTheCallStartedWakesIt() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = started(log)) {
            connect(server, log, "a");
            // The filter seeing "a" proves the waiter is registered: it reads the registry only after that.
            CountDownLatch sawA = new CountDownLatch(1);
            Predicate<JsonNode> filter = m -> {
                if (named("a").test(m)) {
                    sawA.countDown();
                }
                return named("b").test(m);
            };
            Future<SocketConnection> waiting = waiters.submit(() -> server.awaitConnection(filter, Duration.ofSeconds(20)));
            assertTrue(sawA.await(10, TimeUnit.SECONDS), "the waiter never looked at the live connections");
            assertTrue(!waiting.isDone(), "returned before agent b connected: " + (waiting.isDone() ? waiting.get() : ""));
            SocketConnection b = connect(server, log, "b");
            assertSame(b, waiting.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void manyWaitersForOneAgentAllGetIt() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = started(log)) {
            CountDownLatch looked = new CountDownLatch(8);
            connect(server, log, "other");
            Predicate<JsonNode> filter = m -> {
                if (named("other").test(m)) {
                    looked.countDown();
                }
                return named("late").test(m);
            };
            List<Future<SocketConnection>> waiting = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                waiting.add(waiters.submit(() -> server.awaitConnection(filter, Duration.ofSeconds(20))));
            }
            assertTrue(looked.await(10, TimeUnit.SECONDS));
            SocketConnection late = connect(server, log, "late");
            for (Future<SocketConnection> w : waiting) {
                assertSame(late, w.get(10, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void noMatchingAgentEndsWithATimeout() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = started(log)) {
            connect(server, log, "a");
            long start = System.nanoTime();
            TimeoutException e = assertThrows(TimeoutException.class,
                    () -> server.awaitConnection(named("nobody"), Duration.ofMillis(200)));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals("awaitConnection: no matching agent connected within PT0.2S", e.getMessage());
            assertTrue(waitedMillis >= 200, "gave up after " + waitedMillis + " ms");
        }
    }

    @Test
    void aClosedConnectionIsNotReturned() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = started(log)) {
            SocketConnection gone = connect(server, log, "gone");
            gone.shutdownNow();
            gone.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThrows(TimeoutException.class, () -> server.awaitConnection(named("gone"), Duration.ZERO));
        }
    }

    @Test
    void callerMistakesAreRefused() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = started(log)) {
            connect(server, log, "a");
            IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                    () -> server.awaitConnection(m -> true, Duration.ofSeconds(-1)));
            assertEquals("timeout: expected zero or more but was PT-1S", negative.getMessage());
            assertThrows(NullPointerException.class, () -> server.awaitConnection(null, Duration.ZERO));

            // a filter that throws: the caller gets its exception, not a timeout
            IllegalStateException thrown = assertThrows(IllegalStateException.class,
                    () -> server.awaitConnection(m -> {
                        throw new IllegalStateException("bad filter");
                    }, Duration.ofSeconds(10)));
            assertEquals("bad filter", thrown.getMessage());

            // from a listener it would wait for its own events: refused at once
            CompletableFuture<Throwable> fromListener = new CompletableFuture<>();
            server.addListener(event -> {
                try {
                    server.awaitConnection(m -> true, Duration.ofSeconds(10));
                    fromListener.complete(null);
                } catch (Exception | Error e) {
                    fromListener.complete(e);
                }
            });
            connect(server, log, "b");
            Throwable e = fromListener.get(10, TimeUnit.SECONDS);
            assertTrue(e instanceof IllegalStateException, "expected IllegalStateException but was " + e);
        }
    }
}
