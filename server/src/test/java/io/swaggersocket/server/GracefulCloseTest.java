package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.WebSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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

@Timeout(60)
class GracefulCloseTest {
    private static Dialer dialer;

    @BeforeAll
    static void startDialer() throws Exception {
        dialer = new Dialer();
    }

    @AfterAll
    static void stopDialer() {
        dialer.close();
    }

    /** An agent handler that holds every call until {@code release} opens. */
    private static HttpRequestHandler held(CountDownLatch entered, CountDownLatch release) {
        return (request, response, context) -> {
            entered.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            response.setEntity(new StringEntity("done " + request.getPath(), ContentType.TEXT_PLAIN));
        };
    }

    private static CompletableFuture<String> call(SocketConnection connection, String path) {
        return connection.executeAsync(ClassicRequestBuilder.get(path).build(), Duration.ofSeconds(30))
                .thenApply(response -> {
                    try (ClassicHttpResponse r = response) {
                        return r.getCode() + " " + EntityUtils.toString(r.getEntity());
                    } catch (IOException | org.apache.hc.core5.http.ParseException e) {
                        throw new UncheckedIOException(new IOException(e));
                    }
                });
    }

    @Test
    void closeLetsTenCallsInFlightFinishAndAcceptsNoNewAgent() throws Exception {
        CountDownLatch entered = new CountDownLatch(10);
        CountDownLatch release = new CountDownLatch(1);
        EventLog log = new EventLog();
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0)
                .connectionConfig(ConnectionConfig.builder().shutdownGracePeriod(Duration.ofSeconds(30)).build())
                .build();
        server.addListener(log);
        server.start();
        Dialer.Dialed agent = dialer.dial(server.uri(), null, held(entered, release)).get(10, TimeUnit.SECONDS);
        String id = agent.connection().id();
        log.next(ConnectionEvent.Type.RECEIVED, id);
        SocketConnection connection = server.connection(id).orElseThrow();

        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            calls.add(call(connection, "/call/" + i));
        }
        assertTrue(entered.await(10, TimeUnit.SECONDS), "all 10 calls reach the agent's handler");

        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        server.stoppedAccepting().toCompletableFuture().get(10, TimeUnit.SECONDS);
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> dialer.dial(server.uri(), null, null).get(10, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, refused.getCause());
        assertFalse(closing.isDone(), "close() waits for the calls in flight");

        release.countDown();
        for (int i = 0; i < 10; i++) {
            assertEquals("200 done /call/" + i, calls.get(i).get(10, TimeUnit.SECONDS));
        }
        closing.get(10, TimeUnit.SECONDS);

        ConnectionEvent closed = log.poll();
        assertEquals(ConnectionEvent.Type.CLOSED, closed.type(), "delivered before close() returns: " + closed);
        assertEquals(id, closed.connectionId());
        assertTrue(server.activeConnections().isEmpty());
        agent.connection().closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThrows(ExecutionException.class, () -> dialer.dial(server.uri(), null, null).get(10, TimeUnit.SECONDS));
    }

    @Test
    void connectionsOutlivingTheGracePeriodAreClosedAtOnce() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        EventLog log = new EventLog();
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0)
                .connectionConfig(ConnectionConfig.builder().shutdownGracePeriod(Duration.ofMillis(300)).build())
                .build();
        server.addListener(log);
        server.start();
        try {
            Dialer.Dialed agent = dialer.dial(server.uri(), null, held(entered, release)).get(10, TimeUnit.SECONDS);
            String id = agent.connection().id();
            log.next(ConnectionEvent.Type.RECEIVED, id);
            CompletableFuture<String> stuck = call(server.connection(id).orElseThrow(), "/stuck");
            assertTrue(entered.await(10, TimeUnit.SECONDS));

            server.close();

            ExecutionException e = assertThrows(ExecutionException.class, () -> stuck.get(10, TimeUnit.SECONDS));
            assertInstanceOf(SocketClosedException.class, e.getCause());
            ConnectionEvent closed = log.poll();
            assertEquals(id, closed.connectionId());
            // shutdownNow closes with 1001, which the core counts as an orderly close.
            assertEquals(ConnectionEvent.Type.CLOSED, closed.type());
            assertTrue(server.activeConnections().isEmpty());
        } finally {
            release.countDown();
        }
    }

    @Test
    void closeFromAListenerDoesNotDeadlock() throws Exception {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build();
        CompletableFuture<Void> closedByListener = new CompletableFuture<>();
        server.addListener(event -> {
            if (event.type() == ConnectionEvent.Type.RECEIVED) {
                server.close();
                closedByListener.complete(null);
            }
        });
        server.start();
        Dialer.Dialed agent = dialer.dial(server.uri(), null, null).get(10, TimeUnit.SECONDS);
        closedByListener.get(20, TimeUnit.SECONDS);
        agent.connection().closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server.close(); // waits for the first close, which has finished
        assertTrue(server.activeConnections().isEmpty());
    }

    @Test
    void closeDropsSocketsStillInTheirHandshake() throws Exception {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0)
                .connectionConfig(ConnectionConfig.builder().handshakeTimeout(Duration.ofMinutes(5)).build())
                .build();
        server.start();
        WebSocketChannel socket = dialer.open(server.uri(), Map.of(), null).get(10, TimeUnit.SECONDS);
        CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        socket.addCloseTask(closed -> closeCode.complete(0));
        // Reads (so that a close frame or the end of the stream is seen) but never sends hello:
        // the server waits for it until close().
        socket.getReceiveSetter().set(new AbstractReceiveListener() {
        });
        socket.resumeReceives();

        long start = System.nanoTime();
        server.close();
        closeCode.get(10, TimeUnit.SECONDS);
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(4)) < 0,
                "close() must not wait for the handshake timeout");
    }

    @Test
    void closeDropsIdleKeepAliveHttpConnectionsPromptly() throws Exception {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build();
        server.start();
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 404", head);

            long start = System.nanoTime();
            server.close();
            assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(4)) < 0,
                    "close() must not wait for idle HTTP connections");
            in.readAllBytes(); // the rest of the 404, then end of stream: the worker closed the socket
        }
    }
}
