package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pooled upstream client of {@link ForwardingHandler}, against scripted raw-socket upstreams on
 * 127.0.0.1: connection reuse, the pool's cap, connections the upstream closes or resets, timeouts,
 * and bodies with and without length. Each wait is bounded (10 s unless a test says otherwise).
 */
@Timeout(30)
class ForwardingPoolTest {
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ExecutorService callers = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        callers.shutdownNow();
    }

    private RawUpstream upstream(RawUpstream.Script script) throws IOException {
        RawUpstream up = new RawUpstream(script);
        resources.add(up);
        return up;
    }

    private ForwardingHandler handler(ForwardingHandler.Builder builder) {
        ForwardingHandler h = builder.build();
        resources.add(h);
        return h;
    }

    private static ClassicHttpResponse call(ForwardingHandler handler, ClassicHttpRequest request) throws Exception {
        ClassicHttpResponse response = new BasicClassicHttpResponse(200);
        handler.handle(request, response, HttpCoreContext.create());
        return response;
    }

    private static String get(ForwardingHandler handler, String path) throws Exception {
        try (ClassicHttpResponse response = call(handler, new BasicClassicHttpRequest("GET", path))) {
            return response.getCode() + " " + (response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity()));
        }
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void sequentialCallsReuseOneKeepAliveConnectionWithLengthOrChunks() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> {
            if (i % 2 == 0) {
                RawUpstream.write(s, RawUpstream.ok("len" + i));
            } else {
                RawUpstream.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nchu\r\n4\r\nnked\r\n"
                        + "0\r\nX-Trailer: t\r\n\r\n");
            }
            return true;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()));
        for (int i = 0; i < 6; i++) {
            assertEquals(i % 2 == 0 ? "200 len" + i : "200 chunked", get(handler, "/n" + i));
        }
        assertEquals(1, up.connections());
        assertEquals(1, handler.openConnections());
        assertEquals(1, handler.idleConnections());
        RawUpstream.Request first = up.request();
        assertEquals("GET /n0 HTTP/1.1", first.requestLine());
        assertEquals("127.0.0.1:" + up.uri().getPort(), first.header("Host"));
    }

    @Test
    void headAnd204And304HaveNoBodyAndKeepTheConnection() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> {
            switch (i) {
                case 0 -> RawUpstream.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/html\r\n\r\n");
                case 1 -> RawUpstream.write(s, "HTTP/1.1 204 No Content\r\n\r\n");
                case 2 -> RawUpstream.write(s, "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\nETag: \"x\"\r\n\r\n");
                default -> RawUpstream.write(s, RawUpstream.ok("after"));
            }
            return true;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()));
        try (ClassicHttpResponse r = call(handler, new BasicClassicHttpRequest("HEAD", "/page"))) {
            assertEquals(200, r.getCode());
            assertEquals(1234, r.getEntity().getContentLength());
            assertEquals(-1, r.getEntity().getContent().read());
        }
        try (ClassicHttpResponse r = call(handler, new BasicClassicHttpRequest("DELETE", "/x"))) {
            assertEquals(204, r.getCode());
            assertNull(r.getEntity());
        }
        try (ClassicHttpResponse r = call(handler, new BasicClassicHttpRequest("GET", "/cached"))) {
            assertEquals(304, r.getCode());
            assertNull(r.getEntity());
            assertEquals("\"x\"", r.getFirstHeader("ETag").getValue());
        }
        assertEquals("200 after", get(handler, "/after"));
        assertEquals(1, up.connections(), "a body-less answer must not cost the connection");
    }

    @Test
    void connectionCloseAndHttp10AndUnframedBodiesAreNotReused() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> {
            switch (conn) {
                case 0 -> RawUpstream.write(s, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na");
                case 1 -> RawUpstream.write(s, "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb");
                default -> {
                    RawUpstream.write(s, "HTTP/1.1 200 OK\r\n\r\nuntil-close");
                    s.close();
                    return false;
                }
            }
            return true;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()));
        assertEquals("200 a", get(handler, "/"));
        assertEquals("200 b", get(handler, "/"));
        assertEquals("200 until-close", get(handler, "/"));
        assertEquals(3, up.connections());
        assertEquals(0, handler.openConnections());
        assertTrue(closedByClient(up, 0), "the Connection: close one was closed");
    }

    /** Many callers at once never open more than maxConnections; the rest wait for a free one. */
    @Test
    void thePoolCapsConnectionsUnderConcurrency() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        CountDownLatch twoInFlight = new CountDownLatch(2);
        RawUpstream up = upstream((conn, i, req, s) -> {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            twoInFlight.countDown();
            assertTrue(release.await(10, TimeUnit.SECONDS));
            inFlight.decrementAndGet();
            RawUpstream.write(s, RawUpstream.ok("ok"));
            return true;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()).maxConnections(2));
        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(callers.submit(() -> get(handler, "/")));
        }
        assertTrue(twoInFlight.await(10, TimeUnit.SECONDS));
        assertEquals(2, handler.openConnections());
        release.countDown();
        for (Future<String> f : calls) {
            assertEquals("200 ok", f.get(10, TimeUnit.SECONDS));
        }
        assertEquals(2, up.connections());
        assertEquals(2, maxInFlight.get());
        assertEquals(2, handler.idleConnections());
    }

    @Test
    void aFullPoolAnswers503AfterTheConnectTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(1);
        RawUpstream up = upstream((conn, i, req, s) -> {
            busy.countDown();
            assertTrue(release.await(10, TimeUnit.SECONDS));
            RawUpstream.write(s, RawUpstream.ok("late"));
            return true;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()).maxConnections(1)
                .connectTimeout(Duration.ofMillis(200)));
        Future<String> first = callers.submit(() -> get(handler, "/hold"));
        assertTrue(busy.await(10, TimeUnit.SECONDS));
        String second = get(handler, "/second");
        assertTrue(second.startsWith("503 {\"error\":\"upstream " + up.uri() + " busy: all 1 connections to 127.0.0.1:"),
                second);
        release.countDown();
        assertEquals("200 late", first.get(10, TimeUnit.SECONDS));
    }

    /** The upstream closes its idle connection: noticed before reuse (or by the retry), not seen by callers. */
    @Test
    void anIdleConnectionTheUpstreamClosedIsReplaced() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> {
            RawUpstream.write(s, RawUpstream.ok("c" + conn));
            s.close(); // right after the answer, as an upstream with a short keep-alive does once idle
            return false;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()));
        assertEquals("200 c0", get(handler, "/"));
        assertEquals("200 c1", get(handler, "/"));
        assertEquals("200 c2", get(handler, "/"));
        assertEquals(3, up.connections());
    }

    /**
     * The upstream takes a request on a pooled connection and closes it without answering (it closed
     * it as the request came): an idempotent request without body is sent once more, on a fresh
     * connection; a POST is not (the upstream may have acted on it), and neither is a second failure.
     */
    @Test
    void aRequestLostOnAReusedConnectionIsRetriedOnceOnlyWhenIdempotentWithoutBody() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> {
            if (i == 1) {
                s.close(); // second request on any connection: dropped unanswered
                return false;
            }
            RawUpstream.write(s, RawUpstream.ok("c" + conn + "r" + i));
            return true;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()));
        assertEquals("200 c0r0", get(handler, "/warm"));
        assertEquals("200 c1r0", get(handler, "/again")); // lost on c0, retried on the fresh c1
        assertEquals(2, up.connections());

        BasicClassicHttpRequest post = new BasicClassicHttpRequest("POST", "/order");
        post.setEntity(new StringEntity("{}", ContentType.APPLICATION_JSON));
        try (ClassicHttpResponse r = call(handler, post)) { // lost on c1: not repeated
            assertEquals(502, r.getCode());
            String body = EntityUtils.toString(r.getEntity());
            assertTrue(body.startsWith("{\"error\":\"upstream " + up.uri() + " failed: "), body);
        }
        assertEquals(2, up.connections());
        drain(up, 4);

        assertEquals("200 c2r0", get(handler, "/warm-again"));
        try (ClassicHttpResponse r = call(handler, new BasicClassicHttpRequest("POST", "/no-body"))) {
            assertEquals(502, r.getCode(), "POST is not idempotent, even without a body");
        }
        assertEquals(3, up.connections());
    }

    /** Whether the client closed connection {@code index}, within 10 s. */
    private static boolean closedByClient(RawUpstream up, int index) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Integer closed; (closed = up.closedByClient.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) != null; ) {
            if (closed == index) {
                return true;
            }
        }
        return false;
    }

    private static void drain(RawUpstream up, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            up.request();
        }
    }

    /** Reset in the middle of the body: the reader gets an IOException, never a short body as whole. */
    @Test
    void anUpstreamResettingMidBodyCutsTheBody() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> {
            if (req.requestLine().contains("/chunked")) {
                RawUpstream.write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            } else {
                RawUpstream.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(1000));
            }
            if (req.requestLine().contains("/fin")) {
                s.close();
            } else {
                RawUpstream.reset(s);
            }
            return false;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()));
        for (String path : List.of("/length", "/chunked", "/length-fin", "/chunked-fin")) {
            try (ClassicHttpResponse r = call(handler, new BasicClassicHttpRequest("GET", path))) {
                assertEquals(200, r.getCode());
                InputStream in = r.getEntity().getContent();
                assertThrows(IOException.class, () -> in.transferTo(OutputStream.nullOutputStream()), path);
            }
            assertEquals(0, handler.openConnections(), path + ": a cut connection went back to the pool");
        }
        // writeTo, as the tunnel calls it, fails the same way
        try (ClassicHttpResponse r = call(handler, new BasicClassicHttpRequest("GET", "/length"))) {
            assertThrows(IOException.class, () -> r.getEntity().writeTo(OutputStream.nullOutputStream()));
        }
    }

    @Test
    void aSilentUpstreamTimesOutOnTheHeadAndAStallingBodyOnTheBodyIdleTimeout() throws Exception {
        CountDownLatch end = new CountDownLatch(1);
        RawUpstream up = upstream((conn, i, req, s) -> {
            if (req.requestLine().contains("/stall")) {
                RawUpstream.write(s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
            }
            end.await(10, TimeUnit.SECONDS); // never answers /silent; stalls /stall after 3 bytes
            return false;
        });
        resources.add(end::countDown);
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()).requestTimeout(Duration.ofMillis(200)));
        assertEquals("504 {\"error\":\"upstream " + up.uri() + " timed out: " + ForwardingHandler.RESPONSE_TIMED_OUT
                + "\"}", get(handler, "/silent"));
        // No head timeout here: on a busy machine the head may take longer than 200 ms to come.
        ForwardingHandler stalling = handler(ForwardingHandler.builder(up.uri()).bodyIdleTimeout(Duration.ofMillis(200)));
        try (ClassicHttpResponse r = call(stalling, new BasicClassicHttpRequest("GET", "/stall"))) {
            assertEquals(200, r.getCode());
            InputStream in = r.getEntity().getContent();
            assertEquals("abc", new String(in.readNBytes(3), StandardCharsets.ISO_8859_1));
            assertThrows(SocketTimeoutException.class, in::read);
        }
        assertEquals(0, handler.openConnections());
        assertEquals(0, stalling.openConnections());
    }

    /** A body of known length that is all there goes in one write; one still coming streams. */
    @Test
    void requestBodiesGoWithTheirLengthOrChunked() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> {
            RawUpstream.write(s, RawUpstream.ok(req.header("Content-Length") + "/" + req.header("Transfer-Encoding")));
            return true;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()));
        BasicClassicHttpRequest known = new BasicClassicHttpRequest("PUT", "/k");
        known.setEntity(new StringEntity("hello", ContentType.TEXT_PLAIN));
        try (ClassicHttpResponse r = call(handler, known)) {
            assertEquals("5/null", EntityUtils.toString(r.getEntity()));
        }
        assertEquals("hello", new String(up.request().body(), StandardCharsets.UTF_8));
        BasicClassicHttpRequest streamed = new BasicClassicHttpRequest("POST", "/s");
        streamed.setEntity(new InputStreamEntity(new ForwardingHandlerTest.GeneratedStream(100, 1), -1,
                ContentType.APPLICATION_OCTET_STREAM));
        try (ClassicHttpResponse r = call(handler, streamed)) {
            assertEquals("null/chunked", EntityUtils.toString(r.getEntity()));
        }
        RawUpstream.Request received = up.request();
        assertTrue(received.head().startsWith("POST /s HTTP/1.1\r\n"));
        assertEquals(ForwardingHandlerTest.sha256(new ForwardingHandlerTest.GeneratedStream(100, 1)),
                ForwardingHandlerTest.sha256(new java.io.ByteArrayInputStream(received.body())));
        assertEquals(1, up.connections());
    }

    @Test
    void aHeaderWithALineBreakIsRefusedAndTheRequestNeverLeaves() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> false);
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()));
        BasicClassicHttpRequest request = new BasicClassicHttpRequest("GET", "/");
        request.addHeader("X-Evil", "a\r\nX-Injected: 1");
        try (ClassicHttpResponse r = call(handler, request)) {
            assertEquals(400, r.getCode());
            assertEquals("{\"error\":\"cannot forward GET /: header X-Evil has a line break, NUL or colon where none "
                    + "may be\"}", EntityUtils.toString(r.getEntity()));
        }
        assertEquals(0, up.connections());
    }

    @Test
    void closingTheHandlerClosesIdleConnectionsAndRefusesMore() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> {
            RawUpstream.write(s, RawUpstream.ok("x"));
            return true;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()));
        assertEquals("200 x", get(handler, "/"));
        handler.close();
        assertTrue(closedByClient(up, 0));
        assertEquals(0, handler.openConnections());
        String after = get(handler, "/");
        assertTrue(after.startsWith("502 "), after);
    }

    @Test
    void idleConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        RawUpstream up = upstream((conn, i, req, s) -> {
            RawUpstream.write(s, RawUpstream.ok("x"));
            return true;
        });
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()).idleTimeout(Duration.ofMillis(50)));
        assertEquals("200 x", get(handler, "/"));
        // the sweep closes it; bounded by the 10 s poll
        assertTrue(closedByClient(up, 0));
        assertEquals(0, handler.openConnections());
        assertEquals("200 x", get(handler, "/"));
        assertEquals(2, up.connections());
    }

    @Test
    void anHttpsUpstreamIsCalledOverTlsWithItsNameChecked(@TempDir Path dir) throws Exception {
        RawUpstream.Script script = (conn, i, req, s) -> {
            RawUpstream.write(s, RawUpstream.ok("tls" + conn + "r" + i));
            return true;
        };
        KeyStore good = TestCertificates.selfSigned(dir, "SAN=ip:127.0.0.1");
        RawUpstream up = upstream(script, TestCertificates.serverContext(good));
        ForwardingHandler handler = handler(ForwardingHandler.builder(up.uri()).sslContext(TestCertificates.clientContext(good)));
        assertEquals("200 tls0r0", get(handler, "/"));
        assertEquals("200 tls0r1", get(handler, "/"));
        assertEquals(1, up.connections());

        KeyStore elsewhere = TestCertificates.selfSigned(dir, "SAN=dns:elsewhere.example");
        RawUpstream wrongName = upstream(script, TestCertificates.serverContext(elsewhere));
        ForwardingHandler refusing = handler(ForwardingHandler.builder(wrongName.uri())
                .sslContext(TestCertificates.clientContext(elsewhere)));
        String answer = get(refusing, "/");
        assertTrue(answer.startsWith("502 {\"error\":\"upstream " + wrongName.uri() + " failed: SSLHandshakeException"),
                answer);
    }

    private RawUpstream upstream(RawUpstream.Script script, SSLContext tls) throws IOException {
        RawUpstream up = new RawUpstream(script, tls);
        resources.add(up);
        return up;
    }

    @Test
    void theBuilderChecksThePoolSettings() {
        assertEquals("maxConnections: 0 is out of range [1, 100000]", assertThrows(IllegalArgumentException.class,
                () -> ForwardingHandler.builder(java.net.URI.create("http://h")).maxConnections(0)).getMessage());
        assertEquals("idleTimeout: PT0S is not positive", assertThrows(IllegalArgumentException.class,
                () -> ForwardingHandler.builder(java.net.URI.create("http://h")).idleTimeout(Duration.ZERO)).getMessage());
        assertEquals("bodyIdleTimeout: PT-1S is negative", assertThrows(IllegalArgumentException.class,
                () -> ForwardingHandler.builder(java.net.URI.create("http://h")).bodyIdleTimeout(Duration.ofSeconds(-1)))
                .getMessage());
        assertThrows(IllegalStateException.class, () -> ForwardingHandler.builder(java.net.URI.create("http://h"))
                .httpClient(java.net.http.HttpClient.newHttpClient()).maxConnections(3).build());
    }
}
