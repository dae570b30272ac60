package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The handler called directly with httpcore5 messages, against real upstreams on 127.0.0.1. */
@Timeout(30)
class ForwardingHandlerTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    /** What the JDK upstream received. */
    record Seen(String method, String rawUri, Map<String, List<String>> headers, String bodySha256, long bodyLength) {
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        threads.shutdownNow();
    }

    /**
     * A JDK HttpServer that records each request (the body hashed as it streams in) and answers
     * what {@code /status/N}, {@code /bytes/N} and {@code /redirect} ask for, else 201 "created".
     */
    private URI upstream(String basePath) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (exchange) {
                String[] hashed = sha256(exchange.getRequestBody()).split(":");
                seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                        Map.copyOf(exchange.getRequestHeaders()), hashed[0], Long.parseLong(hashed[1])));
                respond(exchange);
            }
        });
        server.start();
        resources.add(() -> server.stop(0));
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + basePath);
    }

    private static void respond(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.contains("/bytes/")) {
            long n = Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
            boolean chunked = exchange.getRequestURI().getQuery() != null;
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, chunked ? 0 : n);
            try (OutputStream out = exchange.getResponseBody()) {
                new GeneratedStream(n, 7).transferTo(out);
            }
        } else if (path.contains("/redirect")) {
            exchange.getResponseHeaders().add("Location", "/elsewhere");
            exchange.sendResponseHeaders(302, -1);
        } else if (path.contains("/status/204")) {
            exchange.sendResponseHeaders(204, -1);
        } else {
            byte[] body = "created".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=UTF-8");
            exchange.getResponseHeaders().add("X-Up", "1");
            exchange.getResponseHeaders().add("Set-Cookie", "a=1");
            exchange.getResponseHeaders().add("Set-Cookie", "b=2");
            exchange.getResponseHeaders().add("Keep-Alive", "timeout=5");
            exchange.sendResponseHeaders(201, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static ClassicHttpResponse handle(ForwardingHandler handler, ClassicHttpRequest request) throws Exception {
        ClassicHttpResponse response = new BasicClassicHttpResponse(200);
        handler.handle(request, response, HttpCoreContext.create());
        return response;
    }

    private static String text(ClassicHttpResponse response) {
        try {
            return EntityUtils.toString(response.getEntity());
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static List<String> values(ClassicHttpResponse response, String name) {
        List<String> out = new ArrayList<>();
        for (Header h : response.getHeaders(name)) {
            out.add(h.getValue());
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void forwardsMethodRawPathQueryHeadersAndBodyUnderTheBasePath() throws Exception {
        ForwardingHandler handler = ForwardingHandler.to(upstream("/base/"));
        BasicClassicHttpRequest request = new BasicClassicHttpRequest("PUT", "/a%20b/c?x=1&y=%2F");
        request.addHeader("X-One", "1");
        request.addHeader("X-Multi", "a");
        request.addHeader("X-Multi", "b");
        request.addHeader("Connection", "keep-alive, X-Hop");
        request.addHeader("X-Hop", "dropped: named in Connection");
        request.addHeader("Keep-Alive", "timeout=5");
        request.addHeader("TE", "trailers");
        request.addHeader("Upgrade", "h2c");
        request.addHeader("Proxy-Authorization", "Basic c2VjcmV0");
        request.addHeader("Host", "agent");
        request.addHeader("Content-Length", "5");
        request.addHeader("Via", "1.1 tunnel");
        request.setEntity(new StringEntity("hello", ContentType.TEXT_PLAIN));

        ClassicHttpResponse response = handle(handler, request);

        Seen s = seen.poll(5, TimeUnit.SECONDS);
        assertNotNull(s);
        assertEquals("PUT", s.method());
        assertEquals("/base/a%20b/c?x=1&y=%2F", s.rawUri());
        assertEquals(List.of("1"), s.headers().get("X-one"));
        assertEquals(List.of("a", "b"), s.headers().get("X-multi"));
        assertEquals(List.of("1.1 tunnel"), s.headers().get("Via"));
        assertEquals(List.of("5"), s.headers().get("Content-length"));
        assertEquals(List.of(ContentType.TEXT_PLAIN.toString()), s.headers().get("Content-type"));
        assertEquals(List.of("127.0.0.1:" + handler.upstream().getPort()), s.headers().get("Host"));
        for (String gone : List.of("X-hop", "Keep-alive", "Te", "Upgrade", "Proxy-authorization")) {
            assertNull(s.headers().get(gone), gone + " was forwarded");
        }
        assertEquals(sha256Of("hello"), s.bodySha256());

        assertEquals(201, response.getCode());
        assertEquals(List.of("1"), values(response, "X-Up"));
        assertEquals(List.of("a=1", "b=2"), values(response, "Set-Cookie"));
        assertEquals(List.of(), values(response, "Keep-Alive"));
        assertEquals(List.of(), values(response, "Content-Length"));
        assertEquals(List.of("text/plain; charset=UTF-8"), values(response, "Content-Type"));
        assertEquals(7, response.getEntity().getContentLength());
        assertEquals("created", EntityUtils.toString(response.getEntity()));
    }

    @Test
    void anUpstreamWithoutBasePathGetsThePathAsItIs() throws Exception {
        ForwardingHandler handler = ForwardingHandler.to(upstream(""));
        try (ClassicHttpResponse response = handle(handler, new BasicClassicHttpRequest("GET", "/"))) {
            assertEquals(201, response.getCode());
        }
        Seen s = seen.poll(5, TimeUnit.SECONDS);
        assertEquals("/", s.rawUri());
        assertEquals(0, s.bodyLength());
        // JDK 17's client sends "Content-Length: 0" on every request without a body (JDK-8283544).
        assertTrue(s.headers().get("Content-length") == null || s.headers().get("Content-length").equals(List.of("0")));
        assertNull(s.headers().get("Transfer-encoding"));
    }

    @Test
    void bodiesStreamBothWaysWithTheirLengthOrChunked() throws Exception {
        ForwardingHandler handler = ForwardingHandler.to(upstream("/up"));
        long up = 16L << 20;
        long down = 24L << 20;
        for (boolean known : List.of(true, false)) {
            BasicClassicHttpRequest request = new BasicClassicHttpRequest("POST", "/bytes/" + down + (known ? "" : "?chunked"));
            request.setEntity(new InputStreamEntity(new GeneratedStream(up, 3), known ? up : -1,
                    ContentType.APPLICATION_OCTET_STREAM));

            try (ClassicHttpResponse response = handle(handler, request)) {
                Seen s = seen.poll(10, TimeUnit.SECONDS);
                assertEquals(up, s.bodyLength());
                assertEquals(sha256(new GeneratedStream(up, 3)), s.bodySha256() + ":" + up);
                assertEquals(known ? List.of(Long.toString(up)) : null, s.headers().get("Content-length"));
                assertEquals(known ? null : List.of("chunked"), s.headers().get("Transfer-encoding"));

                HttpEntity entity = response.getEntity();
                assertTrue(entity.isStreaming());
                assertEquals(known ? down : -1, entity.getContentLength());
                assertEquals("application/octet-stream", entity.getContentType());
                assertEquals(sha256(new GeneratedStream(down, 7)), sha256(entity.getContent()));
            }
        }
    }

    /**
     * Neither body is buffered whole: the upstream gets the first MiB of the request body while the
     * caller still holds back the rest, and the caller reads the first MiB of the response while the
     * upstream still holds back the rest. A buffering handler would stall both, and fail.
     */
    @Test
    void eachBodyIsPassedOnBeforeItEnds() throws Exception {
        CountDownLatch upstreamGotFirstMib = new CountDownLatch(1);
        CountDownLatch callerGotFirstMib = new CountDownLatch(1);
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 0);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            try (exchange) {
                InputStream in = exchange.getRequestBody();
                // Not readNBytes: its final zero-length read blocks in the JDK server's chunked
                // stream until the next chunk starts, which the caller holds back.
                byte[] buf = new byte[64 * 1024];
                for (int got = 0, n; got < 1 << 20; got += n) {
                    n = in.read(buf, 0, Math.min(buf.length, (1 << 20) - got));
                    if (n < 0) {
                        throw new IOException("the request body ended after " + got + " bytes");
                    }
                }
                upstreamGotFirstMib.countDown();
                long rest = in.transferTo(OutputStream.nullOutputStream());
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                out.write(new byte[1 << 20]);
                out.flush();
                if (!callerGotFirstMib.await(10, TimeUnit.SECONDS)) {
                    throw new IOException("the caller did not get the first MiB before the rest was sent");
                }
                out.write(new byte[(int) rest]);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        resources.add(() -> server.stop(0));
        ForwardingHandler handler = ForwardingHandler.to(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));

        InputStream heldBack = new InputStream() {
            private final InputStream first = new GeneratedStream(1 << 20, 1);
            private final InputStream second = new GeneratedStream(1 << 20, 2);

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = first.read(b, off, len);
                if (n >= 0) {
                    return n;
                }
                try {
                    if (!upstreamGotFirstMib.await(10, TimeUnit.SECONDS)) {
                        throw new IOException("the upstream did not get the first MiB before the rest was sent");
                    }
                } catch (InterruptedException e) {
                    throw new InterruptedIOException();
                }
                return second.read(b, off, len);
            }
        };
        BasicClassicHttpRequest request = new BasicClassicHttpRequest("POST", "/");
        request.setEntity(new InputStreamEntity(heldBack, -1, ContentType.APPLICATION_OCTET_STREAM));
        try (ClassicHttpResponse response = handle(handler, request)) {
            assertEquals(200, response.getCode(), () -> response.getCode() + " " + text(response));
            InputStream in = response.getEntity().getContent();
            assertEquals(1 << 20, in.readNBytes(1 << 20).length);
            callerGotFirstMib.countDown();
            assertEquals(1 << 20, in.transferTo(OutputStream.nullOutputStream()));
        }
    }

    @Test
    void redirectsAndEmptyStatusesComeBackAsTheyAre() throws Exception {
        ForwardingHandler handler = ForwardingHandler.to(upstream(""));
        try (ClassicHttpResponse response = handle(handler, new BasicClassicHttpRequest("GET", "/redirect"))) {
            assertEquals(302, response.getCode());
            assertEquals(List.of("/elsewhere"), values(response, "Location"));
        }
        try (ClassicHttpResponse response = handle(handler, new BasicClassicHttpRequest("DELETE", "/status/204"))) {
            assertEquals(204, response.getCode());
            assertNull(response.getEntity());
        }
    }

    @Test
    void headKeepsTheUpstreamsContentLengthWithoutABody() throws Exception {
        ScriptedUpstream upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: text/html\r\n\r\n");
        ForwardingHandler handler = ForwardingHandler.to(upstream.uri());
        try (ClassicHttpResponse response = handle(handler, new BasicClassicHttpRequest("HEAD", "/page"))) {
            assertEquals(200, response.getCode());
            assertEquals(1234, response.getEntity().getContentLength());
            assertEquals(-1, response.getEntity().getContent().read());
        }
        assertTrue(upstream.requestHead().startsWith("HEAD /page HTTP/1.1\r\n"), upstream.requestHead());

        ScriptedUpstream chunked = new ScriptedUpstream("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        try (ClassicHttpResponse response = handle(ForwardingHandler.to(chunked.uri()),
                new BasicClassicHttpRequest("HEAD", "/stream"))) {
            assertEquals(-1, response.getEntity().getContentLength(), "a GET would be chunked");
            assertEquals(List.of(), values(response, "Transfer-Encoding"));
        }
    }

    @Test
    void anUnreachableUpstreamAnswers502WithAJsonError() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            closedPort = probe.getLocalPort();
        }
        ForwardingHandler handler = ForwardingHandler.to(URI.create("http://127.0.0.1:" + closedPort + "/api"));
        try (ClassicHttpResponse response = handle(handler, new BasicClassicHttpRequest("GET", "/pets"))) {
            assertEquals(502, response.getCode());
            assertEquals("application/json; charset=UTF-8", response.getEntity().getContentType());
            String body = EntityUtils.toString(response.getEntity());
            assertTrue(body.startsWith("{\"error\":\"upstream http://127.0.0.1:" + closedPort + "/api failed: "
                    + "ConnectException"), body);
        }
    }

    @Test
    void aSilentUpstreamAnswers504AfterTheRequestTimeout() throws Exception {
        ScriptedUpstream upstream = new ScriptedUpstream(null);
        ForwardingHandler handler = ForwardingHandler.builder(upstream.uri())
                .requestTimeout(Duration.ofMillis(300)).build();
        try (ClassicHttpResponse response = handle(handler, new BasicClassicHttpRequest("GET", "/slow"))) {
            assertEquals(504, response.getCode());
            String body = EntityUtils.toString(response.getEntity());
            // On a loaded machine the 300 ms may end before the JDK counts the connection as made:
            // it then reports a connect timeout, which is documented to read the same way.
            assertTrue(List.of(ForwardingHandler.RESPONSE_TIMED_OUT, ForwardingHandler.CONNECT_TIMED_OUT).stream()
                    .map(what -> "{\"error\":\"upstream " + upstream.uri() + " timed out: " + what + "\"}")
                    .anyMatch(body::equals), body);
        }
    }

    @Test
    void connectAndRequestTimeoutsAreToldApartWhereverTheJdkPutsThem() {
        assertEquals(ForwardingHandler.RESPONSE_TIMED_OUT,
                ForwardingHandler.timeout(new HttpTimeoutException("request timed out")));
        assertEquals(ForwardingHandler.CONNECT_TIMED_OUT,
                ForwardingHandler.timeout(new HttpConnectTimeoutException("HTTP connect timed out")));
        // How the JDK 17 client reports its connect timeout on some paths: a ConnectException around it.
        assertEquals(ForwardingHandler.CONNECT_TIMED_OUT, ForwardingHandler.timeout(
                new ConnectException("HTTP connect timed out").initCause(new HttpConnectTimeoutException("x"))));
        assertNull(ForwardingHandler.timeout(new ConnectException("Connection refused")));
        assertNull(ForwardingHandler.timeout(new IOException("closed", new IOException("reset"))));
    }

    @Test
    void aPathThatWouldLeaveTheBasePathIsRefusedWith400() throws Exception {
        ForwardingHandler handler = ForwardingHandler.to(upstream("/api"));
        for (String path : List.of("/..", "/../secret", "/a/../../secret", "/./x", "/%2e%2e/secret", "/.%2E/x",
                "/..;/secret", "/a%2F..%2Fb", "/..%5csecret", "/x/%2e?q=1")) {
            BasicClassicHttpRequest request = new BasicClassicHttpRequest("GET", "/");
            request.setPath(path);
            try (ClassicHttpResponse response = handle(handler, request)) {
                assertEquals(400, response.getCode(), path);
                assertEquals("{\"error\":\"cannot forward GET " + path + ": expected a path without dot segments "
                        + "('.', '..', '%2e' and the like) but was '" + path + "'\"}", EntityUtils.toString(response.getEntity()));
            }
            assertNull(seen.poll(), path + " reached the upstream"); // it records a request before answering
        }
        String kept = "/.x/..y/.../a%2Fb//c/%252e%252e?p=/../";
        BasicClassicHttpRequest request = new BasicClassicHttpRequest("GET", "/");
        request.setPath(kept);
        try (ClassicHttpResponse response = handle(handler, request)) {
            assertEquals(201, response.getCode());
        }
        assertEquals("/api" + kept, seen.poll(5, TimeUnit.SECONDS).rawUri());
    }

    @Test
    void interruptingTheHandlerCancelsTheUpstreamExchange() throws Exception {
        ScriptedUpstream upstream = new ScriptedUpstream(null);
        ForwardingHandler handler = ForwardingHandler.to(upstream.uri());
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                handle(handler, new BasicClassicHttpRequest("GET", "/hang"));
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        caller.start();
        upstream.requestHead();
        caller.interrupt();
        assertInstanceOf(InterruptedIOException.class, outcome.get(10, TimeUnit.SECONDS));
        assertTrue(upstream.awaitClosedByClient(10, TimeUnit.SECONDS), "the upstream connection was not closed");
    }

    @Test
    void aRequestTheClientCannotSendAnswers400() throws Exception {
        ForwardingHandler handler = ForwardingHandler.to(upstream(""));
        try (ClassicHttpResponse response = handle(handler, new BasicClassicHttpRequest("OPTIONS", "*"))) {
            assertEquals(400, response.getCode());
            assertEquals("{\"error\":\"cannot forward OPTIONS *: expected a path starting with '/' but was '*'\"}",
                    EntityUtils.toString(response.getEntity()));
        }
        try (ClassicHttpResponse response = handle(handler, new BasicClassicHttpRequest("GET", "/a b"))) {
            assertEquals(400, response.getCode());
            assertTrue(EntityUtils.toString(response.getEntity()).contains("the target is no valid URI"));
        }
        assertNull(seen.poll());
    }

    @Test
    void aGivenHttpClientIsUsed() throws Exception {
        URI up = upstream("");
        ForwardingHandler handler = ForwardingHandler.builder(up).httpClient(HttpClient.newHttpClient()).build();
        try (ClassicHttpResponse response = handle(handler, new BasicClassicHttpRequest("GET", "/x"))) {
            assertEquals(201, response.getCode());
        }
        assertEquals("ForwardingHandler[" + up + "]", handler.toString());
    }

    @Test
    void theBuilderRefusesWhatItCannotForwardTo() {
        assertEquals("upstream: expected an http or https URI but was ftp://h/x",
                assertThrows(IllegalArgumentException.class, () -> ForwardingHandler.to(URI.create("ftp://h/x")))
                        .getMessage());
        assertEquals("upstream: expected an http or https URI but was /relative",
                assertThrows(IllegalArgumentException.class, () -> ForwardingHandler.to(URI.create("/relative")))
                        .getMessage());
        assertEquals("upstream: expected no query or fragment but was http://h/x?a=1",
                assertThrows(IllegalArgumentException.class, () -> ForwardingHandler.to(URI.create("http://h/x?a=1")))
                        .getMessage());
        String userInfo = assertThrows(IllegalArgumentException.class,
                () -> ForwardingHandler.to(URI.create("http://user:s3cret@h/"))).getMessage();
        assertFalse(userInfo.contains("s3cret"), userInfo);
        assertEquals("connectTimeout: PT0S is not positive", assertThrows(IllegalArgumentException.class,
                () -> ForwardingHandler.builder(URI.create("http://h")).connectTimeout(Duration.ZERO)).getMessage());
        assertEquals("requestTimeout: PT-1S is negative", assertThrows(IllegalArgumentException.class,
                () -> ForwardingHandler.builder(URI.create("http://h")).requestTimeout(Duration.ofSeconds(-1)))
                .getMessage());
        assertThrows(IllegalStateException.class, () -> ForwardingHandler.builder(URI.create("http://h"))
                .httpClient(HttpClient.newHttpClient()).connectTimeout(Duration.ofSeconds(1)).build());
    }

    // ---------------------------------------------------------------------------------------------

    /** One connection on a raw socket: reads a request head, then writes {@code answer} or stays silent. */
    private final class ScriptedUpstream {
        private final ServerSocket socket = new ServerSocket(0, 1, LOOPBACK);
        private final CompletableFuture<String> head = new CompletableFuture<>();
        private final CountDownLatch closedByClient = new CountDownLatch(1);

        ScriptedUpstream(String answer) throws IOException {
            resources.add(socket);
            threads.execute(() -> {
                try (Socket s = socket.accept()) {
                    InputStream in = s.getInputStream();
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    while (!bytes.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        int b = in.read();
                        if (b < 0) {
                            throw new IOException("closed before the end of the head");
                        }
                        bytes.write(b);
                    }
                    head.complete(bytes.toString(StandardCharsets.ISO_8859_1));
                    if (answer != null) {
                        s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
                        s.getOutputStream().flush();
                    }
                    try {
                        while (in.read() >= 0) {
                            // until the client closes
                        }
                    } catch (IOException reset) {
                        // closed all the same
                    }
                    closedByClient.countDown();
                } catch (IOException e) {
                    head.completeExceptionally(e);
                }
            });
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        String requestHead() throws Exception {
            return head.get(10, TimeUnit.SECONDS);
        }

        boolean awaitClosedByClient(long timeout, TimeUnit unit) throws InterruptedException {
            return closedByClient.await(timeout, unit);
        }
    }

    /** {@code length} pseudo-random bytes from {@code seed}, generated as they are read. */
    static final class GeneratedStream extends InputStream {
        private final SplittableRandom random;
        private long left;

        GeneratedStream(long length, long seed) {
            this.random = new SplittableRandom(seed);
            this.left = length;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (left == 0) {
                return -1;
            }
            int n = (int) Math.min(len, left);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) random.nextInt(256);
            }
            left -= n;
            return n;
        }
    }

    /** Reads to the end: "sha256hex:length". */
    static String sha256(InputStream in) throws IOException {
        MessageDigest digest = digest();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            digest.update(buf, 0, n);
            total += n;
        }
        return HexFormat.of().formatHex(digest.digest()) + ":" + total;
    }

    private static String sha256Of(String s) {
        return HexFormat.of().formatHex(digest().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
