package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xnio.IoUtils;

/**
 * The waits before a request over real sockets: a connection must send a whole request head within
 * the request-head timeout (from its accept, and from a later head's first bytes), and a kept-alive
 * one must ask again within the idle timeout; upgraded tunnels and running calls are never cut by
 * either. Heads are capped in size.
 */
@Timeout(60)
class PreAuthTimeoutTest {
    /** How late a close may be observed past its timeout on a loaded two-core machine. */
    private static final Duration MARGIN = Duration.ofMillis(2000);
    private static final HttpRequestHandler AGENT = (request, response, context) -> {
        String body = request.getEntity() == null ? "" : EntityUtils.toString(request.getEntity());
        response.setEntity(new StringEntity("agent got " + request.getPath() + " " + body, ContentType.TEXT_PLAIN));
    };
    /** A quiet tunnel: no ping within any test. */
    private static final ConnectionConfig QUIET = ConnectionConfig.builder()
            .heartbeat(Duration.ofSeconds(20), Duration.ofSeconds(40)).build();

    private static Dialer dialer;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();
    private SocketServer server;

    @BeforeAll
    static void startDialer() throws Exception {
        dialer = new Dialer();
    }

    @AfterAll
    static void stopDialer() {
        dialer.close();
    }

    @AfterEach
    void closeEverything() {
        closeAfter.forEach(IoUtils::safeClose);
        if (server != null) {
            server.close();
        }
    }

    private SocketServer start(Duration requestHeadTimeout, Duration idleTimeout) throws Exception {
        server = SocketServer.builder().bind("127.0.0.1", 0).connectionConfig(QUIET).ingress(true).publicIngress(true)
                .limits(ServerLimits.builder().requestHeadTimeout(requestHeadTimeout).idleTimeout(idleTimeout).build())
                .build();
        server.start();
        return server;
    }

    private Dialer.Dialed dial(String name) throws Exception {
        Dialer.Dialed d = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", name),
                AGENT, QUIET, null).get(10, TimeUnit.SECONDS);
        closeAfter.add(d.socket());
        return d;
    }

    /** The server's side of {@code d}: it enters the registry a moment after the dial completes. */
    private SocketConnection onServer(Dialer.Dialed d) {
        String id = d.connection().id();
        awaitAtMost("the connection missing from the registry", () -> server.connection(id).isPresent() ? 0 : 1, 0);
        return server.connection(id).orElseThrow();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.port());
        closeAfter.add(s);
        s.setSoTimeout((int) (MARGIN.toMillis() * 5));
        return s;
    }

    /** Reads a response head and its Content-Length body. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("expected a response but the connection closed after: " + head);
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** Blocks until the server closes {@code s}; fails if it sends anything first. Returns when, in nanos. */
    private static long awaitClosedByServer(Socket s) throws IOException {
        int b;
        try {
            b = s.getInputStream().read();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("expected the server to close the connection but it stayed open", e);
        }
        assertEquals(-1, b, "expected the server to close without an answer but it sent a byte");
        return System.nanoTime();
    }

    private static long millisSince(long nanos, long now) {
        return TimeUnit.NANOSECONDS.toMillis(now - nanos);
    }

    /** An ingress call on a connection of its own, read to the end (the request says Connection: close). */
    private String ingressCall(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String call(SocketConnection connection, String path) throws Exception {
        try (ClassicHttpResponse r = connection.execute(ClassicRequestBuilder.get(path).build(), Duration.ofSeconds(10))) {
            assertEquals(200, r.getCode());
            return EntityUtils.toString(r.getEntity());
        }
    }

    private static int openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The process's open sockets: both ends of every loopback connection of this JVM, and listeners. */
    private static int openSockets() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException closedMeanwhile) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The server's threads: its XNIO worker's and the ingress pool's. Not every thread of the JVM:
     * the shared executor of the connections and the JDK's own threads come and go with the other
     * work of the test JVM (idle cached threads live 60 s), which is not what is measured here.
     */
    private static int threads() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("swaggersocket-server") || t.getName().startsWith("swaggersocket-ingress"))
                .count();
    }

    /** Polls {@code value} until it is at most {@code max} or 10 s have passed; returns the last value. */
    private static int awaitAtMost(String what, IntSupplier value, int max) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int v;
        while ((v = value.getAsInt()) > max) {
            if (System.nanoTime() - deadline > 0) {
                fail("expected " + what + " at most " + max + " within 10 s but it was " + v);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // a poll interval
        }
        return v;
    }

    @Test
    void aThousandSilentOrSlowConnectionsAreClosedWithinTheHeadTimeoutWhileAgentsAndCallsCarryOn() throws Exception {
        Duration timeout = Duration.ofMillis(400);
        start(timeout, timeout);
        Dialer.Dialed agentDial = dial("a");
        long agentSince = System.nanoTime();
        SocketConnection agent = onServer(agentDial);
        // Warm-up, so that the baseline holds every lazily opened file and pooled thread (the worker
        // starts a task thread per upgrade up to its 8 core threads).
        List<Socket> warmUp = List.of(connect(), connect());
        for (Socket s : warmUp) {
            awaitClosedByServer(s);
            s.close();
        }
        for (int i = 0; i < 9; i++) {
            dial("warm-up-" + i).connection().close();
        }
        assertEquals("agent got /a ", call(agent, "/a"));
        assertTrue(ingressCall("GET /agents/a/warm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .endsWith("agent got /warm "));
        awaitAtMost("connections after the warm-up", () -> server.activeConnections().size(), 1);
        int fdsIdle = openFds();
        int socketsIdle = openSockets();
        int threadsIdle = threads();

        // An ingress call in flight: head and half its body sent, the rest after the flood.
        Socket ingress = connect();
        long ingressSince = System.nanoTime();
        OutputStream ingressOut = ingress.getOutputStream();
        ingressOut.write(("POST /agents/a/upload HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 10\r\n\r\n"
                + "first").getBytes(StandardCharsets.US_ASCII));
        ingressOut.flush();

        int silent = 950;
        int slow = 50;
        List<SocketChannel> clients = new ArrayList<>(silent + slow);
        closeAfter.add(() -> clients.forEach(IoUtils::safeClose));
        long[] opened = new long[silent + slow];
        long[] closed = new long[silent + slow];
        Selector selector = Selector.open();
        closeAfter.add(selector);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.port());
        for (int i = 0; i < silent + slow; i++) {
            opened[i] = System.nanoTime();
            SocketChannel c = SocketChannel.open(address);
            clients.add(c);
            if (i >= silent) { // half a head, then a byte at a time
                c.write(ByteBuffer.wrap("GET /tunnel HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII)));
            }
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ, i);
        }
        long openedAll = System.nanoTime();
        int fdsPeak = openFds();
        int socketsPeak = openSockets();

        // An honest agent gets in meanwhile; both are called throughout.
        Dialer.Dialed second = dial("b");
        SocketConnection secondOnServer = onServer(second);
        int open = silent + slow;
        int calls = 0;
        ByteBuffer sink = ByteBuffer.allocate(64);
        long deadline = openedAll + timeout.plus(MARGIN).toNanos();
        while (open > 0) {
            assertTrue(System.nanoTime() - deadline < 0, "expected every connection closed within " + timeout + " + "
                    + MARGIN + " of the last accept but " + open + " are open");
            selector.select(20);
            long now = System.nanoTime();
            for (SelectionKey key : selector.selectedKeys()) {
                int i = (Integer) key.attachment();
                sink.clear();
                int n;
                try {
                    n = ((SocketChannel) key.channel()).read(sink);
                } catch (IOException reset) {
                    n = -1;
                }
                assertTrue(n <= 0, "expected no answer to an unfinished head but got " + n + " bytes");
                if (n < 0) {
                    closed[i] = now;
                    key.cancel();
                    key.channel().close();
                    open--;
                }
            }
            selector.selectedKeys().clear();
            for (int i = silent; i < silent + slow; i++) {
                if (closed[i] == 0) {
                    try {
                        clients.get(i).write(ByteBuffer.wrap(new byte[] {'a'}));
                    } catch (IOException closedByServer) {
                        // seen as the end of stream on the next select
                    }
                }
            }
            assertEquals("agent got /a ", call(agent, "/a"));
            assertEquals("agent got /b ", call(secondOnServer, "/b"));
            calls += 2;
        }
        for (int i = 0; i < silent + slow; i++) {
            assertTrue(millisSince(opened[i], closed[i]) >= timeout.toMillis(), "connection " + i + " closed after "
                    + millisSince(opened[i], closed[i]) + " ms, before its timeout of " + timeout);
        }
        long lastClosed = java.util.Arrays.stream(closed).max().orElseThrow();

        // Tunnels and the running call outlived both timeouts (by their own clocks, measured).
        while (System.nanoTime() - ingressSince < 3 * timeout.toNanos()) {
            assertEquals("agent got /a ", call(agent, "/a"));
        }
        ingressOut.write("last!".getBytes(StandardCharsets.US_ASCII));
        ingressOut.flush();
        String answer = new String(ingress.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.contains("agent got /upload firstlast!"), answer);
        assertTrue(agent.isOpen() && server.connection(agent.id()).isPresent());
        assertTrue(millisSince(agentSince, System.nanoTime()) > 3 * timeout.toMillis());

        second.connection().close();
        ingress.close();
        selector.close();
        int socketsAfter = awaitAtMost("open sockets once the flood is gone", PreAuthTimeoutTest::openSockets,
                socketsIdle);
        // A pooled thread that ran its first blocking call holds a cached selector (an epoll and an
        // event fd): a new ingress thread may do so once. A leak of the flood would be ~2,000.
        int fdsAfter = awaitAtMost("open files once the flood is gone", PreAuthTimeoutTest::openFds, fdsIdle + 4);
        int threadsAfter = awaitAtMost("threads once the flood is gone", PreAuthTimeoutTest::threads, threadsIdle + 2);
        System.out.printf("flood of %d opened in %d ms: fds idle %d, peak %d, after %d; sockets idle %d, peak %d,"
                        + " after %d; threads idle %d, after %d; last closed %d ms after the last open; %d calls meanwhile%n",
                silent + slow, millisSince(opened[0], openedAll), fdsIdle, fdsPeak, fdsAfter, socketsIdle, socketsPeak,
                socketsAfter, threadsIdle, threadsAfter, millisSince(openedAll, lastClosed), calls);
    }

    @Test
    void aFreshConnectionHasTheHeadTimeoutAndAKeptAliveOneTheIdleTimeout() throws Exception {
        Duration head = Duration.ofMillis(300);
        Duration idle = Duration.ofMillis(2500);
        start(head, idle);
        Socket fresh = connect();
        long freshSince = System.nanoTime();
        Socket kept = connect();
        kept.getOutputStream().write("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(readResponse(kept.getInputStream()).startsWith("HTTP/1.1 404"));
        long keptSince = System.nanoTime();

        long freshAge = millisSince(freshSince, awaitClosedByServer(fresh));
        assertTrue(freshAge >= head.toMillis() && freshAge < head.plus(MARGIN).toMillis(),
                "expected the silent fresh connection closed after " + head + " but it was after " + freshAge + " ms");
        long keptAge = millisSince(keptSince, awaitClosedByServer(kept));
        // A lower bound well above the head timeout: the response was read a moment after the timer began.
        assertTrue(keptAge >= idle.toMillis() - 500 && keptAge < idle.plus(MARGIN).toMillis(),
                "expected the kept-alive connection closed after " + idle + " but it was after " + keptAge + " ms");
    }

    @Test
    void aSecondHeadSentAByteAtATimeIsCutAtTheHeadTimeoutFromItsFirstBytes() throws Exception {
        Duration head = Duration.ofMillis(300);
        Duration idle = Duration.ofMillis(2500);
        start(head, idle);
        Socket s = connect();
        OutputStream out = s.getOutputStream();
        out.write("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(readResponse(s.getInputStream()).startsWith("HTTP/1.1 404"));
        long since = System.nanoTime();
        out.write("GET /nothing HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        s.setSoTimeout(25);
        long deadline = since + head.plus(MARGIN).toNanos();
        while (true) {
            assertTrue(System.nanoTime() - deadline < 0, "expected the slow head cut within " + head + " + " + MARGIN);
            try {
                out.write('a');
                out.flush();
            } catch (IOException closedByServer) {
                break; // a reset: closed
            }
            try {
                assertEquals(-1, s.getInputStream().read(), "expected a close without an answer");
                break;
            } catch (SocketTimeoutException stillOpen) {
                // the 25 ms read timeout paces the bytes
            } catch (IOException reset) {
                break;
            }
        }
        long age = millisSince(since, System.nanoTime());
        assertTrue(age >= head.toMillis() && age < idle.toMillis(),
                "expected the slow head cut after " + head + " (before the idle " + idle + ") but it was " + age + " ms");
    }

    @Test
    void anUpgradedTunnelIsNotCutByEitherTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        start(timeout, timeout);
        SocketConnection onServer = onServer(dial("a"));
        // Nothing crosses the tunnel (no call, no ping) for four timeouts.
        assertThrows(TimeoutException.class, () -> onServer.closeFuture().toCompletableFuture()
                .get(4 * timeout.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals("agent got /still ", call(onServer, "/still"));
    }

    @Test
    void aHeadOverSixtyFourKibibytesGets400AndAClose() throws Exception {
        start(Duration.ofSeconds(10), Duration.ofSeconds(10));
        String under = "GET /nothing HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(ServerListener.MAX_HEAD_SIZE - 1024)
                + "\r\n\r\n";
        Socket ok = connect();
        ok.getOutputStream().write(under.getBytes(StandardCharsets.US_ASCII));
        assertTrue(readResponse(ok.getInputStream()).startsWith("HTTP/1.1 404"));

        String over = "GET /nothing HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(ServerListener.MAX_HEAD_SIZE) + "\r\n\r\n";
        Socket big = connect();
        big.getOutputStream().write(over.getBytes(StandardCharsets.US_ASCII));
        String answer = readResponse(big.getInputStream());
        assertTrue(answer.startsWith("HTTP/1.1 400 Bad Request"), answer);
        assertTrue(answer.contains("Connection: close"), answer);
        assertEquals(-1, big.getInputStream().read());
        assertFalse(answer.contains("X-Big"));
    }
}
