package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xnio.IoUtils;

/** The ingress, {@code ANY /agents/{name}/{path}}, over real sockets: a public ingress, so no tokens here. */
@Timeout(60)
class IngressTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

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
        dialer.close(); // first: agents holding calls are dropped, so that the server need not wait for them
        server.close();
    }

    private Dialer.Dialed agent(String name, TestAgent handler) throws Exception {
        return agent(name, handler, ConnectionConfig.defaults());
    }

    private Dialer.Dialed agent(String name, TestAgent handler, ConnectionConfig config) throws Exception {
        Dialer.Dialed dialed = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", name),
                handler, config, null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id()); // in the registry from now on
        return dialed;
    }

    private URI ingress(String rest) {
        return URI.create("http://127.0.0.1:" + server.port() + "/agents/" + rest);
    }

    static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        assertEquals("application/json", response.headers().firstValue("content-type").orElse(null), response.body());
        return JSON.readTree(response.body());
    }

    @Test
    void getReachesTheAgentWithItsPathAndQueryAsSent() throws Exception {
        agent("a1", new TestAgent("agent a1"));
        HttpResponse<String> r = get(ingress("a1/info/x%20y/a%2Fb//c?q=%41&r=1&r=2"));
        assertEquals(200, r.statusCode());
        String[] lines = r.body().split("\n");
        assertEquals("agent a1", lines[0]);
        assertEquals("GET /info/x%20y/a%2Fb//c?q=%41&r=1&r=2", lines[1]);

        assertEquals("GET /info", get(ingress("a1/info")).body().split("\n")[1]);
        assertEquals("agent has no /", get(ingress("a1")).body(), "the name alone is the agent's root");
        assertEquals("agent has no /", get(ingress("a1/")).body());
    }

    @Test
    void statusAndHeadersOfTheAgentComeBack() throws Exception {
        agent("a1", new TestAgent("a1"));
        HttpResponse<String> created = get(ingress("a1/status/201"));
        assertEquals(201, created.statusCode());
        assertEquals("yes", created.headers().firstValue("x-agent-status").orElse(null));
        HttpResponse<String> noContent = get(ingress("a1/status/204"));
        assertEquals(204, noContent.statusCode());
        assertEquals("", noContent.body());
        HttpResponse<String> missing = get(ingress("a1/nothing-here"));
        assertEquals(404, missing.statusCode(), "the agent's own 404 is passed through");
        assertEquals("agent has no /nothing-here", missing.body());
        HttpResponse<Void> head = HTTP.send(HttpRequest.newBuilder(ingress("a1/info")).method("HEAD",
                HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(200, head.statusCode());
    }

    @Test
    void download100MiBStreamsBackIntact() throws Exception {
        agent("big", new TestAgent("big"));
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(ingress("big/big?mib=100")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals("chunked", r.headers().firstValue("transfer-encoding").orElse(null), "streamed, length unknown");
        MessageDigest sha = TestAgent.sha256();
        long count = 0;
        try (InputStream in = r.body()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                sha.update(buffer, 0, n);
                count += n;
            }
        }
        assertEquals(100L * TestAgent.MIB, count);
        assertEquals(TestAgent.sha256Of(100), HexFormat.of().formatHex(sha.digest()));
    }

    @Test
    void upload100MiBOfUnknownLengthReachesTheAgentIntact() throws Exception {
        agent("big", new TestAgent("big"));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(ingress("big/sha"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> TestAgent.repeated(100))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(100L * TestAgent.MIB + " " + TestAgent.sha256Of(100), r.body());
    }

    @Test
    void echo100MiBStreamsBothWaysAtOnce() throws Exception {
        agent("big", new TestAgent("big"));
        long length = 100L * TestAgent.MIB;
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /agents/big/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // The body goes up on one thread while this one reads the echo: neither side can wait
            // for the whole body, or both would stall once the windows and socket buffers fill.
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                try (InputStream body = TestAgent.repeated(100)) {
                    body.transferTo(out);
                    out.flush();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(head.toLowerCase().contains("content-length: " + length), head);
            MessageDigest sha = TestAgent.sha256();
            byte[] buffer = new byte[64 * 1024];
            long count = 0;
            while (count < length) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - count));
                assertTrue(n > 0, "body ended after " + count + " bytes");
                sha.update(buffer, 0, n);
                count += n;
            }
            upload.get(30, TimeUnit.SECONDS);
            assertEquals(TestAgent.sha256Of(100), HexFormat.of().formatHex(sha.digest()));
        }
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the head: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void twoHundredConcurrentCallsAreAllAnsweredCorrectly() throws Exception {
        agent("many", new TestAgent("many"));
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            calls.add(HTTP.sendAsync(HttpRequest.newBuilder(ingress("many/info/" + i + "?i=" + i))
                    .POST(HttpRequest.BodyPublishers.ofString("body " + i)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 200; i++) {
            HttpResponse<String> r = calls.get(i).get(30, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            String[] lines = r.body().split("\n");
            assertEquals("POST /info/" + i + "?i=" + i, lines[1]);
            assertEquals("body: body " + i, lines[lines.length - 1]);
        }
    }

    @Test
    void anUnknownNameGets404() throws Exception {
        agent("a1", new TestAgent("a1"));
        HttpResponse<String> r = get(ingress("nobody/x"));
        assertEquals(404, r.statusCode());
        assertEquals("no agent named \"nobody\" is connected", json(r).path("error").asText());
        HttpResponse<String> noName = get(URI.create("http://127.0.0.1:" + server.port() + "/agents/"));
        assertEquals(404, noName.statusCode());
        assertEquals("expected /agents/{name}/{path} but was /agents/", json(noName).path("error").asText());
    }

    @Test
    void anAgentLostMidRequestGives502() throws Exception {
        TestAgent handler = new TestAgent("a1");
        Dialer.Dialed agent = agent("a1", handler);
        CompletableFuture<HttpResponse<String>> call = HTTP.sendAsync(HttpRequest.newBuilder(ingress("a1/hold")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(handler.held.await(10, TimeUnit.SECONDS));
        IoUtils.safeClose(agent.socket()); // TCP close under the agent, no WebSocket close frame
        HttpResponse<String> r = call.get(20, TimeUnit.SECONDS);
        assertEquals(502, r.statusCode());
        assertTrue(json(r).path("error").asText().startsWith("lost agent \"a1\" (connection " + agent.connection().id()
                + "): "), r.body());
        events.next(ConnectionEvent.Type.FAILURE, agent.connection().id());
        assertEquals(404, get(ingress("a1/info")).statusCode(), "gone from the pool");
    }

    @Test
    void anAgentLostMidResponseAbortsTheClientConnection() throws Exception {
        TestAgent handler = new TestAgent("a1");
        Dialer.Dialed agent = agent("a1", handler);
        HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(ingress("a1/partial")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode(), "the head came through before the agent was lost");
        try (InputStream in = r.body()) {
            assertArrayEquals(java.util.Arrays.copyOf(TestAgent.BLOCK, 64 * 1024), in.readNBytes(64 * 1024));
            assertTrue(handler.partialSent.await(10, TimeUnit.SECONDS));
            IoUtils.safeClose(agent.socket());
            // A cut body must not look whole: the client sees its connection fail, not a clean end.
            assertThrows(IOException.class, () -> in.readAllBytes());
        }
    }

    @Test
    void anAgentRefusingMoreStreamsGives503WithRetryAfter() throws Exception {
        TestAgent handler = new TestAgent("one");
        agent("one", handler, ConnectionConfig.builder().maxConcurrentStreams(1).build());
        CompletableFuture<HttpResponse<String>> holding = HTTP.sendAsync(HttpRequest.newBuilder(ingress("one/hold")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(handler.held.await(10, TimeUnit.SECONDS));
        HttpResponse<String> r = get(ingress("one/info"));
        assertEquals(503, r.statusCode());
        assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
        assertTrue(json(r).path("error").asText().startsWith("agent \"one\""), r.body());
        assertFalse(holding.isDone());
        holding.cancel(true);
    }

    @Test
    void noResponseHeadWithinTheRequestTimeoutGives504() throws Exception {
        server.close();
        server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true)
                .connectionConfig(ConnectionConfig.builder().requestTimeout(Duration.ofMillis(200)).build()).build();
        server.addListener(events);
        server.start();
        agent("slow", new TestAgent("slow"));
        HttpResponse<String> r = get(ingress("slow/hold"));
        assertEquals(504, r.statusCode());
        assertTrue(json(r).path("error").asText().startsWith("agent \"slow\""), r.body());
    }

    @Test
    void aClosingServerAnswers503OnConnectionsStillOpen() throws Exception {
        TestAgent handler = new TestAgent("a1");
        agent("a1", handler);
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            String request = "GET /agents/a1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            String head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            in.readNBytes(contentLength(head));

            CompletableFuture<HttpResponse<String>> holding = HTTP.sendAsync(
                    HttpRequest.newBuilder(ingress("a1/hold")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(handler.held.await(10, TimeUnit.SECONDS));
            Thread closer = new Thread(server::close, "closer");
            closer.start(); // drains: waits for the held call
            server.stoppedAccepting().toCompletableFuture().get(10, TimeUnit.SECONDS);

            out.write(request.getBytes(StandardCharsets.US_ASCII)); // the same keep-alive connection
            head = readHead(in);
            assertTrue(head.startsWith("HTTP/1.1 503"), head);
            assertTrue(head.toLowerCase().contains("retry-after: 1"), head);
            assertEquals("{\"error\":\"the server is shutting down\"}",
                    new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8));
            assertFalse(holding.isDone(), "the call in flight may finish");
            dialer.close(); // the agent goes: the held call fails, and the drain ends
            assertEquals(502, holding.get(10, TimeUnit.SECONDS).statusCode());
            closer.join(20_000);
        }
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        throw new AssertionError("no Content-Length in " + head);
    }

    @Test
    void hopByHopHeadersAreDroppedAndForwardedHeadersAdded() throws Exception {
        agent("a1", new TestAgent("a1"));
        RawHttp.Response r = RawHttp.exchange(server.port(), null, "POST /agents/a1/info HTTP/1.1\r\n"
                + "Host: tunnel.example:8080\r\n"
                + "Connection: keep-alive, X-Drop-Me\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "X-Drop-Me: secret-hop\r\n"
                + "TE: trailers\r\n"
                + "Upgrade: h2c\r\n"
                + "Proxy-Authorization: Basic abc\r\n"
                + "X-Forwarded-For: 10.1.2.3\r\n"
                + "X-Forwarded-Proto: gopher\r\n"
                + "X-Forwarded-Host: spoofed.example\r\n"
                + "X-Custom: kept\r\n"
                + "Authorization: Basic dXNlcjpwdw==\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Length: 5\r\n"
                + "\r\n"
                + "hello");
        assertEquals(200, r.status(), r.body());
        Map<String, String> seen = headers(r.body());
        assertEquals("kept", seen.get("x-custom"));
        assertEquals("Basic dXNlcjpwdw==", seen.get("authorization"), "only the server's own Bearer is held back");
        assertEquals("text/plain", seen.get("content-type"));
        assertEquals("5", seen.get("content-length"));
        assertEquals("tunnel.example:8080", seen.get("host"));
        assertEquals("10.1.2.3, 127.0.0.1", seen.get("x-forwarded-for"));
        assertEquals("http", seen.get("x-forwarded-proto"));
        assertEquals("tunnel.example:8080", seen.get("x-forwarded-host"));
        for (String hop : List.of("connection", "keep-alive", "x-drop-me", "te", "upgrade", "proxy-authorization",
                "transfer-encoding")) {
            assertNull(seen.get(hop), hop + " must not be forwarded: " + r.body());
        }
        assertTrue(r.body().endsWith("body: hello"), r.body());
    }

    /** Header name (lower case) to value, from a /info answer. */
    static Map<String, String> headers(String info) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String line : info.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0 && !line.startsWith("body: ")) {
                out.put(line.substring(0, colon).toLowerCase(), line.substring(colon + 2));
            }
        }
        return out;
    }

    @Test
    void agentsSharingANameTakeCallsInTurn() throws Exception {
        agent("pool", new TestAgent("first"));
        agent("pool", new TestAgent("second"));
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            seen.add(get(ingress("pool/info")).body().split("\n")[0]);
        }
        assertEquals(5, seen.stream().filter("first"::equals).count(), seen.toString());
        assertEquals(5, seen.stream().filter("second"::equals).count(), seen.toString());
        for (int i = 1; i < seen.size(); i++) {
            assertFalse(seen.get(i).equals(seen.get(i - 1)), "strict alternation: " + seen);
        }
    }

    @Test
    void anAgentWithoutANameIsNotReachable() throws Exception {
        Dialer.Dialed anonymous = dialer.dial(server.uri(), null, new TestAgent("anon")).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, anonymous.connection().id());
        assertEquals(404, get(ingress("anon/info")).statusCode());
    }
}
