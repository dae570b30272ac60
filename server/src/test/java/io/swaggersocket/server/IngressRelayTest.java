package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.frame.ProtocolViolationException;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.MessageChannel;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamContext;
import io.swaggersocket.undertow.UndertowChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.xnio.IoUtils;

/**
 * The ingress is honest with its callers, over raw sockets on 127.0.0.1: a cut response body ends
 * in a connection reset whatever its framing, an agent's head that is not valid HTTP becomes a
 * 502, and dot segments never reach an agent. Malformed chunked bodies: {@link StrictChunkedIngressTest}.
 */
@Timeout(60)
class IngressRelayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SENT = 64 * 1024;

    private Dialer dialer;
    private SocketServer server;
    private final EventLog events = new EventLog();

    @BeforeEach
    void start() throws Exception {
        dialer = new Dialer();
        server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true).build();
        server.addListener(events);
        server.start();
    }

    @AfterEach
    void stop() {
        dialer.close();
        server.close();
    }

    private Dialer.Dialed agent(String name, HttpRequestHandler handler) throws Exception {
        Dialer.Dialed dialed = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", name),
                handler, ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id());
        return dialed;
    }

    /**
     * An agent whose connection rewrites {@code placeholder} to {@code raw} in the response heads
     * it sends: its own httpcore5 writer turns control characters into '?', a hostile agent need not.
     */
    private void rewritingAgent(String name, HttpRequestHandler handler, String placeholder, String raw)
            throws Exception {
        ConnectionConfig config = ConnectionConfig.defaults();
        SocketConnection connection = dialer.open(server.uri(), Map.of(), null).thenCompose(socket ->
                SocketConnection.dial(new HeadRewriting(UndertowChannel.of(socket, config), placeholder, raw),
                        JsonNodeFactory.instance.objectNode().put("name", name), config, handler))
                .get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, connection.id());
    }

    /** Passes everything on, but for HEADERS frames, whose head has {@code from} replaced by {@code to}. */
    private record HeadRewriting(MessageChannel channel, String from, String to) implements MessageChannel {
        @Override
        public void sendBinary(ByteBuffer message, Callback callback) {
            try {
                if (new FrameCodec(16_777_215, 16_777_215).decode(message.duplicate()) instanceof Frame.Headers h) {
                    String head = new String(h.head(), StandardCharsets.ISO_8859_1).replace(from, to);
                    message = FrameCodec.encode(new Frame.Headers(h.streamId(), head.getBytes(StandardCharsets.ISO_8859_1),
                            h.endStream()));
                }
            } catch (ProtocolViolationException e) {
                throw new AssertionError(e);
            }
            channel.sendBinary(message, callback);
        }

        @Override
        public void start(Listener listener) {
            channel.start(listener);
        }

        @Override
        public void sendText(String text, Callback callback) {
            channel.sendText(text, callback);
        }

        @Override
        public void sendPing(ByteBuffer payload, Callback callback) {
            channel.sendPing(payload, callback);
        }

        @Override
        public void close(int code, String reason) {
            channel.close(code, reason);
        }

        @Override
        public void abort() {
            channel.abort();
        }

        @Override
        public SocketAddress remoteAddress() {
            return channel.remoteAddress();
        }
    }

    private String error(RawHttp.Response r) throws IOException {
        assertEquals("application/json", r.header("content-type"), r.body());
        return JSON.readTree(r.body()).path("error").asText();
    }

    // ---------------------------------------------------------------------------------------------
    // A body cut midway

    /**
     * An agent's body: {@link #SENT} bytes of a body of {@code declared} length (-1: unknown),
     * then it counts {@code sent} down and waits for {@code cut}; released, it fails, so that its
     * stream is reset. Without a release, it waits until its stream or connection is gone.
     */
    private static HttpRequestHandler cutting(long declared, CountDownLatch sent, CountDownLatch cut) {
        return (request, response, context) -> response.setEntity(new Body(declared) {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(new byte[SENT]);
                out.flush();
                sent.countDown();
                try {
                    if (cut.await(30, TimeUnit.SECONDS)) {
                        throw new IOException("the agent fails mid-body");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new IOException("not cut within 30 s");
            }
        });
    }

    /**
     * Sends {@code GET /agents/NAME/x} as {@code version} with {@code extraHeader}, reads the head
     * and one byte of the body, runs {@code cut}, then reads on: the read must end in a reset.
     */
    private static void assertCutEndsInReset(int port, String name, String version, String extraHeader,
            long declared, CountDownLatch sent, Runnable cut) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("GET /agents/" + name + "/x " + version + "\r\nHost: 127.0.0.1\r\n"
                    + extraHeader + "\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String head = IngressTest.readHead(in).toLowerCase();
            assertTrue(head.startsWith("http/1.1 200") || head.startsWith("http/1.0 200"), head);
            boolean keepAlive = version.equals("HTTP/1.1") && extraHeader.isEmpty();
            if (declared >= 0) {
                assertTrue(head.contains("content-length: " + declared), head);
            } else {
                assertEquals(keepAlive, head.contains("transfer-encoding: chunked"), head);
                assertFalse(head.contains("content-length"), head);
            }
            assertTrue(in.read() >= 0, "the body began");
            assertTrue(sent.await(10, TimeUnit.SECONDS));
            cut.run();
            long[] read = {1};
            SocketException reset = assertThrows(SocketException.class, () -> {
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    read[0] += n;
                }
            }, () -> "a clean end after " + read[0] + " bytes: the cut body looks whole");
            assertEquals("Connection reset", reset.getMessage());
            assertTrue(read[0] <= SENT + 16, read[0] + " bytes"); // the body, with a chunk header at most
        }
    }

    @ParameterizedTest(name = "{0} {1}, length {2}")
    @CsvSource({
        "HTTP/1.1, keep-alive, -1",
        "HTTP/1.1, keep-alive, 1048576",
        "HTTP/1.1, close, -1",
        "HTTP/1.1, close, 1048576",
        "HTTP/1.0, default, -1",
        "HTTP/1.0, default, 1048576"})
    void anAgentLostMidBodyResetsTheCallersConnection(String version, String connection, long declared)
            throws Exception {
        CountDownLatch sent = new CountDownLatch(1);
        Dialer.Dialed agent = agent("cut", cutting(declared, sent, new CountDownLatch(1)));
        assertCutEndsInReset(server.port(), "cut", version, connection.equals("close") ? "Connection: close\r\n" : "",
                declared, sent, () -> IoUtils.safeClose(agent.socket())); // the agent dies: no close frame
    }

    @Test
    void anAgentResettingItsStreamMidBodyResetsTheCallersConnection() throws Exception {
        CountDownLatch sent = new CountDownLatch(1);
        CountDownLatch cut = new CountDownLatch(1);
        agent("cut", cutting(-1, sent, cut));
        assertCutEndsInReset(server.port(), "cut", "HTTP/1.0", "", -1, sent, cut::countDown);
        assertEquals(404, RawHttp.exchange(server.port(), null,
                "GET /agents/nobody/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status(), "the server goes on");
    }

    // ---------------------------------------------------------------------------------------------
    // An invalid response head

    @Test
    void aHeaderNameWithAControlCharacterGives502AndResetsTheAgentsStream() throws Exception {
        CompletableFuture<Void> reset = new CompletableFuture<>();
        rewritingAgent("bad", (request, response, context) -> {
            response.addHeader("X-Placeholder-Name", "chunked");
            response.setEntity(new Body(-1) {
                @Override
                public void writeTo(OutputStream out) throws IOException {
                    out.write("smuggled".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    awaitCancellation(context);
                    reset.complete(null);
                    throw new IOException("cancelled");
                }
            });
        }, "X-Placeholder-Name", "Transfer-Encoding\u000b");
        RawHttp.Response r = RawHttp.exchange(server.port(), null,
                "GET /agents/bad/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(502, r.status(), r.body());
        assertEquals("the agent's response is not valid HTTP: header #1's name has 0x0B at index 17, which is no "
                + "token character", error(r));
        assertNull(r.header("transfer-encoding\u000b"));
        reset.get(10, TimeUnit.SECONDS); // the agent's stream was reset
    }

    /**
     * Values: httpcore5's parser in the tunnel already turns CR, LF and NUL in a received value into
     * spaces, so no agent gets one to the check; it is tested directly, for a parser that would not.
     */
    @Test
    void theHeadCheckNamesEachKindOfFault() {
        assertNull(IngressRelay.invalidHead(response("OK", "X-A", "caf\u00e9 \t\u0001 x")));
        assertEquals("header #1 (X-A) has 0x0D at index 1 of its value",
                IngressRelay.invalidHead(response("OK", "X-A", "a\rb")));
        assertEquals("header #1 (X-A) has 0x0A at index 0 of its value",
                IngressRelay.invalidHead(response("OK", "X-A", "\nb")));
        assertEquals("header #1 (X-A) has U+0100 at index 0 of its value",
                IngressRelay.invalidHead(response("OK", "X-A", "\u0100")));
        for (String name : List.of("A B", "A:B", "A\u0000", "(A)", "A@", "\u00e9")) {
            assertTrue(IngressRelay.invalidHead(response("OK", name, "v")).startsWith("header #1's name has 0x"),
                    name);
        }
        assertEquals("header #1 has an empty name", IngressRelay.invalidHead(response("OK", "", "v")));
        assertEquals("its reason phrase has 0x01 at index 2", IngressRelay.invalidHead(response("OK\u0001", "A", "v")));
        assertNull(IngressRelay.invalidHead(response("Fine\tTab \u00e9", "!#$%&'*+-.^_`|~09azAZ", "v")));
    }

    private static BasicClassicHttpResponse response(String reason, String name, String value) {
        BasicClassicHttpResponse response = new BasicClassicHttpResponse(200, reason);
        response.addHeader(name, value);
        return response;
    }

    // ---------------------------------------------------------------------------------------------
    // Dot segments

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/../secret", "/a/../../secret", "/./x", "/x/.", "/%2e%2e/secret", "/%2E%2E/secret",
        "/.%2e/secret", "/%2e./secret", "/%2e/x", "/..;/secret", "/..;jsessionid=1/x", "/a%2F..%2Fb", "/a%2f..",
        "/..%5Csecret", "/a%5c%2e%2e%5cb"})
    void aPathWithADotSegmentGets400AndNeverReachesTheAgent(String path) throws Exception {
        CompletableFuture<String> reached = new CompletableFuture<>();
        agent("a1", (request, response, context) -> {
            reached.complete(request.getPath());
            response.setEntity(new StringEntity("served", ContentType.TEXT_PLAIN));
        });
        RawHttp.Response r = RawHttp.exchange(server.port(), null,
                "GET /agents/a1" + path + "?q=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(400, r.status(), r.body());
        assertEquals("expected a path without dot segments ('.', '..', '%2e' and the like) but was " + path, error(r));
        // The agent's first call is this next one: the refused one never reached it.
        assertEquals(200, RawHttp.exchange(server.port(), null,
                "GET /agents/a1/after HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").status());
        assertEquals("/after", reached.get(10, TimeUnit.SECONDS));
    }

    @Test
    void segmentsThatOnlyLookLikeDotsPassAsSent() throws Exception {
        agent("a1", new TestAgent("a1"));
        String path = "/info/.hidden/a..b/.../%2e%2e%2e/x../a%2Fb//c/%252e%252e?p=/../";
        RawHttp.Response r = RawHttp.exchange(server.port(), null,
                "GET /agents/a1" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        assertEquals(200, r.status(), r.body());
        assertEquals("GET " + path, r.body().split("\n")[1]);
    }

    // ---------------------------------------------------------------------------------------------

    private static void awaitCancellation(HttpContext context) throws IOException {
        try {
            StreamContext.of(context).cancellation().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IOException("not cancelled within 30 s", e);
        }
    }

    /** A streamed response body of {@code length} (-1: unknown) written by {@link #writeTo}. */
    private abstract static class Body extends AbstractHttpEntity {
        private final long length;

        Body(long length) {
            super(ContentType.APPLICATION_OCTET_STREAM, null, length < 0);
            this.length = length;
        }

        @Override
        public InputStream getContent() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long getContentLength() {
            return length;
        }

        @Override
        public boolean isStreaming() {
            return true;
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }

        @Override
        public void close() {
        }
    }
}
