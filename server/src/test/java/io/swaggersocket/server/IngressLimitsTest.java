package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ingress under careless and hostile callers, with short {@link ServerLimits}: silent agents,
 * callers that give up, stalled uploads, stalled response bodies, too many calls. Threads and file
 * descriptors are measured from this process.
 */
@Timeout(60)
class IngressLimitsTest {
    private static final Duration HEAD = Duration.ofMillis(400);
    private static final Duration IDLE = Duration.ofMillis(400);
    /** What a timeout may take beyond its value on a loaded machine. */
    private static final long MARGIN_MS = 5_000;

    private final EventLog events = new EventLog();
    /** Handlers and request bodies on both sides run here: idle threads end after 200 ms. */
    private final ExecutorService executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 200, TimeUnit.MILLISECONDS,
            new SynchronousQueue<>());
    private Dialer dialer;
    private SocketServer server;

    @BeforeEach
    void start() throws Exception {
        dialer = new Dialer();
        start(ServerLimits.builder().responseHeadTimeout(HEAD).bodyIdleTimeout(IDLE).build());
    }

    private void start(ServerLimits limits) throws IOException {
        server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true).limits(limits)
                .connectionConfig(ConnectionConfig.builder().executor(executor).build()).build();
        server.addListener(events);
        server.start();
    }

    @AfterEach
    void stop() {
        dialer.close();
        server.close();
        executor.shutdownNow();
    }

    private Dialer.Dialed agent(String name, TestAgent handler) throws Exception {
        Dialer.Dialed dialed = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", name),
                handler, ConnectionConfig.builder().executor(executor).build(), null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id());
        return dialed;
    }

    private URI ingress(String rest) {
        return URI.create("http://127.0.0.1:" + server.port() + "/agents/" + rest);
    }

    private long hits(LimitHits.Limit limit) {
        return server.metrics().limits.count(limit);
    }

    /** Polls {@code condition} until it holds or {@code millis} pass; the last check decides. */
    private static boolean eventually(long millis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) { // bounded by the deadline
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20); // polling interval, not synchronisation: the condition decides
        }
        return condition.getAsBoolean();
    }

    @Test
    void aSilentAgentGets504WithinTheHeadTimeoutAndSeesTheCancellation() throws Exception {
        TestAgent handler = new TestAgent("silent");
        Dialer.Dialed agent = agent("silent", handler);
        long start = System.nanoTime();
        HttpResponse<String> r = IngressTest.get(ingress("silent/hold"));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals(504, r.statusCode(), r.body());
        assertTrue(IngressTest.json(r).path("error").asText().endsWith("sent no response head within PT0.4S"), r.body());
        assertTrue(tookMs >= HEAD.toMillis() && tookMs < HEAD.toMillis() + MARGIN_MS, "took " + tookMs + " ms");
        assertTrue(handler.held.await(0, TimeUnit.SECONDS), "the agent had the call");
        // The agent's handler returns once StreamContext.cancellation() completes: its stream ends.
        assertTrue(eventually(MARGIN_MS, () -> agent.connection().activeStreams() == 0), "the agent saw the reset");
        assertEquals(1, hits(LimitHits.Limit.RESPONSE_HEAD_TIMEOUT));
    }

    @Test
    void aCallerThatGivesUpResetsItsStreamAtOnce() throws Exception {
        server.close();
        start(ServerLimits.builder().bodyIdleTimeout(IDLE).build()); // the head timeout: 60 s, out of the picture
        TestAgent handler = new TestAgent("a1");
        Dialer.Dialed agent = agent("a1", handler);
        long start;
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.getOutputStream().write(("GET /agents/a1/hold HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertTrue(handler.held.await(10, TimeUnit.SECONDS));
            assertEquals(1, agent.connection().activeStreams());
            start = System.nanoTime();
        } // the caller gives up: closes its connection
        assertTrue(eventually(10_000, () -> agent.connection().activeStreams() == 0), "the stream was reset");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(tookMs < 10_000, "took " + tookMs + " ms");
        assertEquals(200, IngressTest.get(ingress("a1/info")).statusCode(), "the agent serves the next call");
        assertEquals(0, hits(LimitHits.Limit.RESPONSE_HEAD_TIMEOUT));
    }

    @Test
    void aKeepAliveConnectionStillServesItsNextCallAfterAWatchedOne() throws Exception {
        agent("a1", new TestAgent("a1"));
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            for (int i = 0; i < 100; i++) { // the client-close watch is set and taken down each time
                out.write("GET /agents/a1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String head = readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                in.readNBytes(contentLength(head));
            }
        }
    }

    @Test
    void stalledUploadsAreCutWhileAnHonestAgentKeepsServingAndThreadsAndFdsComeBack() throws Exception {
        int stalled = 120;
        // What is measured here is the body-idle timeout: a head timeout ten times longer keeps the
        // two from racing for the stalled uploads, and gives the honest calls room on a busy machine.
        server.close();
        start(ServerLimits.builder().responseHeadTimeout(HEAD.multipliedBy(10)).bodyIdleTimeout(IDLE).build());
        TestAgent handler = new TestAgent("a1");
        Dialer.Dialed agent = agent("a1", handler);
        assertEquals(200, IngressTest.get(ingress("a1/info")).statusCode()); // warm: the first call's threads exist
        awaitIdle(agent);
        Usage idle = Usage.now();

        List<Socket> sockets = new ArrayList<>();
        Usage peak = idle;
        try {
            for (int i = 0; i < stalled; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(10_000);
                sockets.add(s);
                s.getOutputStream().write(("POST /agents/a1/sha HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Length: 1048576\r\n\r\n0123456789").getBytes(StandardCharsets.US_ASCII));
            }
            peak = peak.max(Usage.now());
            for (int i = 0; i < 5; i++) { // while they stall
                assertEquals(200, IngressTest.get(ingress("a1/info")).statusCode());
                peak = peak.max(Usage.now());
            }
            for (Socket s : sockets) {
                String head = readHead(s.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 408"), head);
                assertTrue(new String(s.getInputStream().readNBytes(contentLength(head)), StandardCharsets.UTF_8)
                        .contains("expected the request body within PT0.4S"));
                assertEquals(-1, s.getInputStream().read(), "the connection is closed after the 408");
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertEquals(stalled, hits(LimitHits.Limit.BODY_IDLE_TIMEOUT));
        assertEquals(200, IngressTest.get(ingress("a1/info")).statusCode());
        assertTrue(eventually(MARGIN_MS, () -> agent.connection().activeStreams() == 0), "every stream was reset");

        // Back to idle within one timeout (threads end after IDLE idle) plus a margin.
        long start = System.nanoTime();
        Usage[] after = new Usage[1];
        boolean back = eventually(IDLE.toMillis() + MARGIN_MS, () -> {
            after[0] = Usage.now();
            return after[0].threads() <= idle.threads() + 2 && after[0].fds() <= idle.fds() + 4;
        });
        System.out.printf("stalled uploads: %d; threads idle %d, peak %d, after %d (%d ms); fds idle %d, peak %d,"
                + " after %d%n", stalled, idle.threads(), peak.threads(), after[0].threads(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), idle.fds(), peak.fds(), after[0].fds());
        assertTrue(peak.threads() > idle.threads() + stalled, "the burst was measured: " + peak);
        assertTrue(back, "expected threads and fds back to " + idle + " but they were " + after[0]);
    }

    @Test
    void aThousandSilentCallersGet504AndTheServerReturnsToIdleThreadsFdsAndHeap() throws Exception {
        int callers = 1000;
        server.close();
        ConnectionConfig wide = ConnectionConfig.builder().executor(executor).maxConcurrentStreams(callers + 100).build();
        // The ingress forwards the burst at once (a call without a body takes no thread), so the
        // honest call reaches this agent behind a thousand calls for each of which the test's
        // executor starts a handler thread, and its head timeout counts that wait: give it room.
        Duration burstHead = HEAD.multipliedBy(5);
        server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true)
                .limits(ServerLimits.builder().responseHeadTimeout(burstHead).bodyIdleTimeout(IDLE).build())
                .connectionConfig(wide).build();
        server.addListener(events);
        server.start();
        TestAgent silent = new TestAgent("a1");
        Dialer.Dialed agent = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", "a1"),
                silent, wide, null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());
        assertEquals(200, IngressTest.get(ingress("a1/info")).statusCode()); // warm: the first call's threads exist
        awaitIdle(agent);
        Usage idle = Usage.now();
        long heapIdle = heapAfterGc();

        List<Socket> sockets = new ArrayList<>();
        Usage peak = idle;
        long started = System.nanoTime();
        try {
            for (int i = 0; i < callers; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(30_000);
                sockets.add(s);
                s.getOutputStream().write("GET /agents/a1/hold HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
            }
            peak = peak.max(Usage.now());
            assertEquals(200, IngressTest.get(ingress("a1/info")).statusCode(), "an honest call meanwhile");
            for (Socket s : sockets) {
                String head = readHead(s.getInputStream());
                assertTrue(head.startsWith("HTTP/1.1 504"), head);
                peak = peak.max(Usage.now());
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        long answeredMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(callers, hits(LimitHits.Limit.RESPONSE_HEAD_TIMEOUT));
        assertTrue(eventually(MARGIN_MS, () -> agent.connection().activeStreams() == 0), "every stream was reset");
        assertEquals(200, IngressTest.get(ingress("a1/info")).statusCode());

        Usage[] after = new Usage[1];
        boolean back = eventually(IDLE.toMillis() + MARGIN_MS, () -> {
            after[0] = Usage.now();
            return after[0].threads() <= idle.threads() + 2 && after[0].fds() <= idle.fds() + 4;
        });
        long heapAfter = heapAfterGc();
        System.out.printf("silent callers: %d answered 504 within %d ms; threads idle %d, peak %d, after %d; fds idle %d,"
                + " peak %d, after %d; heap after GC idle %d KiB, after %d KiB%n", callers, answeredMs, idle.threads(),
                peak.threads(), after[0].threads(), idle.fds(), peak.fds(), after[0].fds(), heapIdle / 1024,
                heapAfter / 1024);
        assertTrue(peak.fds() > idle.fds() + callers, "the burst was measured: " + peak);
        assertTrue(back, "expected threads and fds back to " + idle + " but they were " + after[0]);
        assertTrue(heapAfter < heapIdle + 16 * 1024 * 1024, "heap after GC " + heapAfter + " vs idle " + heapIdle);
    }

    /** Used heap after a full collection (G1 runs one for System.gc() unless disabled). */
    private static long heapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) { // the least of three: a collection racing a finishing thread counts less
            System.gc();
            least = Math.min(least, rt.totalMemory() - rt.freeMemory());
        }
        return least;
    }

    /** Waits until the agent and the server hold no call, so that the baseline is idle. */
    private void awaitIdle(Dialer.Dialed agent) throws InterruptedException {
        assertTrue(eventually(MARGIN_MS, () -> agent.connection().activeStreams() == 0
                && ((ThreadPoolExecutor) executor).getActiveCount() == 0));
        assertTrue(eventually(IDLE.toMillis() + MARGIN_MS, () -> ((ThreadPoolExecutor) executor).getPoolSize() == 0
                && ingressThreads() == 0));
    }

    private static long ingressThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("swaggersocket-ingress-")).count();
    }

    @Test
    void aStalledResponseBodyAbortsTheClientConnection() throws Exception {
        TestAgent handler = new TestAgent("a1");
        Dialer.Dialed agent = agent("a1", handler);
        HttpResponse<InputStream> r = IngressTest.HTTP.send(HttpRequest.newBuilder(ingress("a1/partial")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        try (InputStream in = r.body()) {
            assertArrayEquals(java.util.Arrays.copyOf(TestAgent.BLOCK, 64 * 1024), in.readNBytes(64 * 1024));
            long start = System.nanoTime();
            // The agent sends nothing more: the client sees its connection fail, never a clean end.
            assertThrows(IOException.class, in::readAllBytes);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMs < IDLE.toMillis() + MARGIN_MS, "took " + tookMs + " ms");
        }
        assertTrue(eventually(MARGIN_MS, () -> agent.connection().activeStreams() == 0), "the agent saw the reset");
        assertEquals(1, hits(LimitHits.Limit.BODY_IDLE_TIMEOUT));
    }

    @Test
    void aClientThatReadsNothingIsCut() throws Exception {
        Dialer.Dialed agent = agent("a1", new TestAgent("a1"));
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setReceiveBufferSize(4096);
            socket.getOutputStream().write("GET /agents/a1/big?mib=64 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            // Reads nothing: the server's writes block until the watch aborts the connection.
            assertTrue(eventually(IDLE.toMillis() + MARGIN_MS,
                    () -> hits(LimitHits.Limit.BODY_IDLE_TIMEOUT) == 1), "the write wait was cut");
        }
        assertTrue(eventually(MARGIN_MS, () -> agent.connection().activeStreams() == 0), "the stream was reset");
    }

    @Test
    void oneCallOverMaxIngressCallsGets503AtOnce() throws Exception {
        server.close();
        start(ServerLimits.builder().maxIngressCalls(2).build());
        TestAgent handler = new TestAgent("a1");
        Dialer.Dialed agent = agent("a1", handler);
        List<CompletableFuture<HttpResponse<String>>> holding = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            holding.add(IngressTest.HTTP.sendAsync(HttpRequest.newBuilder(ingress("a1/hold")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        assertTrue(eventually(10_000, () -> agent.connection().activeStreams() == 2));

        HttpResponse<String> r = IngressTest.get(ingress("a1/info"));
        assertEquals(503, r.statusCode());
        assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
        assertEquals("expected at most 2 ingress calls in flight but 2 are", IngressTest.json(r).path("error").asText());
        assertEquals(1, hits(LimitHits.Limit.INGRESS_CALLS));
        assertFalse(holding.get(0).isDone());
        holding.forEach(h -> h.cancel(true));
    }

    // ---------------------------------------------------------------------------------------------

    /** Live threads and open file descriptors of this process. */
    record Usage(int threads, long fds) {
        static Usage now() {
            try (Stream<Path> fd = Files.list(Path.of("/proc/self/fd"))) {
                return new Usage(Thread.activeCount(), fd.count());
            } catch (IOException e) {
                throw new AssertionError("expected /proc/self/fd (Linux)", e);
            }
        }

        Usage max(Usage o) {
            return new Usage(Math.max(threads, o.threads), Math.max(fds, o.fds));
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) { // bounded by the socket timeout and EOF
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the head: " + head);
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        throw new AssertionError("no Content-Length in " + head);
    }
}
