package io.swaggersocket.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.ForwardingHandler;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.server.SocketServer;
import io.swaggersocket.testing.FaultRelay;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WebSockets through the ingress: a plain WebSocket client (the JDK's) -> server ingress -> agent
 * ({@link ForwardingHandler}) -> an Undertow WebSocket service, all on 127.0.0.1.
 */
@Timeout(120)
class WebSocketPassthroughTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    final io.swaggersocket.testing.Resources resources = new io.swaggersocket.testing.Resources();
    private final BlockingQueue<Long> upstreamClosed = new LinkedBlockingQueue<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private Undertow upstream;
    private int upstreamPort;

    @AfterEach
    void closeAll() throws Exception {
        resources.close();
        if (upstream != null) {
            upstream.stop();
        }
    }

    /** An echo WebSocket service at /ws; /bye closes with 4001 after its first message; /plain is no WebSocket. */
    private URI startUpstream() {
        upstream = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(Handlers.path()
                .addPrefixPath("/ws", Handlers.websocket((exchange, channel) -> {
                    channel.addCloseTask(c -> upstreamClosed.add(System.nanoTime()));
                    channel.getReceiveSetter().set(new AbstractReceiveListener() {
                        @Override
                        protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                            WebSockets.sendText(message.getData(), ch, null);
                        }

                        @Override
                        protected void onFullBinaryMessage(WebSocketChannel ch, BufferedBinaryMessage message) {
                            var data = message.getData();
                            WebSockets.sendBinary(data.getResource(), ch, null);
                            // the pooled buffers are released once sent: Undertow frees them after the send
                        }
                    });
                    channel.resumeReceives();
                }))
                .addPrefixPath("/bye", Handlers.websocket((exchange, channel) -> {
                    channel.getReceiveSetter().set(new AbstractReceiveListener() {
                        @Override
                        protected void onFullTextMessage(WebSocketChannel ch, BufferedTextMessage message) {
                            WebSockets.sendClose(4001, "bye", ch, null);
                        }
                    });
                    channel.resumeReceives();
                }))
                .addPrefixPath("/plain", exchange -> exchange.getResponseSender().send("no websocket here")))
                .build();
        upstream.start();
        upstreamPort = ((InetSocketAddress) upstream.getListenerInfo().get(0).getAddress()).getPort();
        return URI.create("http://127.0.0.1:" + upstreamPort);
    }

    private SocketServer server() throws Exception {
        SocketServer server = resources.track(SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true).build());
        server.start();
        return server;
    }

    /** An agent named "edge" forwarding to the upstream through {@code port}; waits until the server has it. */
    private SocketClient agent(SocketServer server, int port, ConnectionConfig config) throws Exception {
        SocketClient agent = resources.track(SocketClient.builder(URI.create("ws://127.0.0.1:" + port + "/tunnel"))
                .metadata(Map.of("name", "edge")).connectionConfig(config).build());
        CompletableFuture<Void> arrived = new CompletableFuture<>();
        server.addListener(event -> {
            if (event.type() == io.swaggersocket.server.ConnectionEvent.Type.RECEIVED) {
                arrived.complete(null);
            }
        });
        agent.serve(resources.track(ForwardingHandler.to(startUpstreamOnce())));
        agent.connect();
        arrived.get(10, TimeUnit.SECONDS);
        return agent;
    }

    private URI startUpstreamOnce() {
        return upstream == null ? startUpstream() : URI.create("http://127.0.0.1:" + upstreamPort);
    }

    private static URI ws(SocketServer server, String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + "/agents/edge" + path);
    }

    /** A listener that assembles whole messages (text as String, binary as byte[]) and records pongs and the end. */
    static final class Collector implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<ByteBuffer> pongs = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        final CompletableFuture<Throwable> failed = new CompletableFuture<>();
        private StringBuilder text = new StringBuilder();
        private ByteArrayOutputStream binary = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text = new StringBuilder();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                messages.add(binary.toByteArray());
                binary = new ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            pongs.add(message);
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            failed.complete(error);
        }

        Object next() throws InterruptedException {
            Object message = messages.poll(30, TimeUnit.SECONDS);
            assertNotNull(message, "expected a message within 30 s");
            return message;
        }
    }

    private WebSocket open(URI uri, Collector collector) {
        return http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, collector).join();
    }

    @Test
    void tenThousandMessagesOfMixedSizesEchoIntactAndInOrderWithPingsAnswered() throws Exception {
        SocketServer server = server();
        agent(server, server.port(), ConnectionConfig.defaults());
        Collector collector = new Collector();
        WebSocket ws = open(ws(server, "/ws"), collector);
        Random random = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            int size = i % 500 == 0 ? 1024 * 1024 : random.nextInt(2048); // 20 messages of 1 MiB
            if (i % 2 == 0) {
                byte[] bytes = new byte[size];
                random.nextBytes(bytes);
                ws.sendBinary(ByteBuffer.wrap(bytes), true).get(30, TimeUnit.SECONDS);
                assertArrayEquals(bytes, (byte[]) collector.next(), "binary message " + i);
            } else {
                String text = "m" + i + ":" + "é".repeat(size / 2); // multi-byte UTF-8 too
                ws.sendText(text, true).get(30, TimeUnit.SECONDS);
                assertEquals(text, collector.next(), "text message " + i);
            }
            if (i % 1000 == 0) {
                ByteBuffer payload = ByteBuffer.wrap(("ping " + i).getBytes(StandardCharsets.UTF_8));
                ws.sendPing(payload.duplicate()).get(30, TimeUnit.SECONDS);
                assertEquals(payload, collector.pongs.poll(30, TimeUnit.SECONDS), "pong " + i);
            }
        }
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        assertEquals(WebSocket.NORMAL_CLOSURE, collector.closed.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aHundredWebSocketsAtOnceThroughOneAgent() throws Exception {
        SocketServer server = server();
        agent(server, server.port(), ConnectionConfig.defaults());
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(100);
        resources.track(threads::shutdownNow);
        List<CompletableFuture<Void>> sessions = new ArrayList<>();
        for (int s = 0; s < 100; s++) {
            int session = s;
            sessions.add(CompletableFuture.runAsync(() -> {
                try {
                    Collector collector = new Collector();
                    WebSocket ws = open(ws(server, "/ws"), collector);
                    for (int i = 0; i < 20; i++) {
                        String text = "session " + session + " message " + i;
                        ws.sendText(text, true).get(30, TimeUnit.SECONDS);
                        assertEquals(text, collector.next());
                    }
                    ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);
                    assertEquals(WebSocket.NORMAL_CLOSURE, collector.closed.get(10, TimeUnit.SECONDS));
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            }, threads));
        }
        CompletableFuture.allOf(sessions.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
    }

    @Test
    void aCloseFromEitherEndReachesTheOtherWithinASecond() throws Exception {
        SocketServer server = server();
        agent(server, server.port(), ConnectionConfig.defaults());
        // The client closes: the upstream's socket closes.
        Collector collector = new Collector();
        WebSocket ws = open(ws(server, "/ws"), collector);
        ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
        assertEquals("hello", collector.next());
        long sent = System.nanoTime();
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "client done").get(10, TimeUnit.SECONDS);
        Long closedAt = upstreamClosed.poll(10, TimeUnit.SECONDS);
        assertNotNull(closedAt, "the upstream's WebSocket closed");
        assertTrue(closedAt - sent < TimeUnit.SECONDS.toNanos(1), "upstream closed after " + (closedAt - sent) / 1e6 + " ms");
        assertEquals(WebSocket.NORMAL_CLOSURE, collector.closed.get(1, TimeUnit.SECONDS));

        // The upstream closes (with its own code): the client hears that code.
        Collector byeCollector = new Collector();
        WebSocket bye = open(ws(server, "/bye"), byeCollector);
        bye.sendText("go", true).get(10, TimeUnit.SECONDS);
        assertEquals(4001, byeCollector.closed.get(1, TimeUnit.SECONDS));
    }

    @Test
    void losingTheAgentFailsTheClientsWebSocketInsteadOfLeavingItSilent() throws Exception {
        SocketServer server = server();
        FaultRelay network = resources.track(new FaultRelay(server.port()));
        agent(server, network.port(), ConnectionConfig.defaults());
        Collector collector = new Collector();
        WebSocket ws = open(ws(server, "/ws"), collector);
        ws.sendText("before", true).get(10, TimeUnit.SECONDS);
        assertEquals("before", collector.next());
        network.cut(); // the agent's connection drops, as when its process is killed
        Throwable error = collector.failed.get(30, TimeUnit.SECONDS); // an abnormal end (1006), never a clean close
        assertInstanceOf(IOException.class, error);
        assertTrue(!collector.closed.isDone(), "no close frame: the client must not take it for a clean end");
    }

    @Test
    void aRefusedUpgradeIsRelayedWithTheUpstreamsStatus() throws Exception {
        SocketServer server = server();
        agent(server, server.port(), ConnectionConfig.defaults());
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> open(ws(server, "/plain"), new Collector()));
        WebSocketHandshakeException refused = assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        assertEquals(200, refused.getResponse().statusCode()); // a service that is no WebSocket answers as it does
        assertEquals("no websocket here", refused.getResponse().body());
    }

    @Test
    void anAgentWithoutUpgradesIsAClear502NotAHang() throws Exception {
        SocketServer server = server();
        agent(server, server.port(), ConnectionConfig.builder().upgrades(false).build());
        CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                () -> open(ws(server, "/ws"), new Collector()));
        WebSocketHandshakeException refused = assertInstanceOf(WebSocketHandshakeException.class, e.getCause());
        assertEquals(502, refused.getResponse().statusCode());
        assertTrue(String.valueOf(refused.getResponse().body()).contains("cannot carry"), String.valueOf(refused.getResponse().body()));
    }

    /** Writes {@code request} on a fresh socket to the server and returns the socket, for raw exchanges. */
    private static java.net.Socket raw(SocketServer server, String request) throws IOException {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port());
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
    }

    private static String head(java.io.InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    @Test
    void aFrameSentRightBehindTheUpgradeRequestIsNotLost() throws Exception {
        SocketServer server = server();
        agent(server, server.port(), ConnectionConfig.defaults());
        // A masked text frame "hi" pipelined behind the request, before the 101 came back.
        byte[] frame = {(byte) 0x81, (byte) 0x82, 1, 2, 3, 4, (byte) ('h' ^ 1), (byte) ('i' ^ 2)};
        try (java.net.Socket socket = raw(server, "GET /agents/edge/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                + new String(frame, StandardCharsets.ISO_8859_1))) {
            java.io.InputStream in = socket.getInputStream();
            String head = head(in);
            assertTrue(head.startsWith("HTTP/1.1 101"), head);
            assertTrue(head.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), head); // the upstream's accept, end to end
            assertArrayEquals(new byte[] {(byte) 0x81, 2, 'h', 'i'}, in.readNBytes(4));
        }
    }

    @Test
    void anUpgradeHeaderOnARequestWithABodyIsNoUpgrade() throws Exception {
        SocketServer server = server();
        agent(server, server.port(), ConnectionConfig.defaults());
        try (java.net.Socket socket = raw(server, "POST /agents/edge/plain HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nContent-Length: 5\r\n\r\nhello")) {
            String head = head(socket.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            assertTrue(!head.toLowerCase(java.util.Locale.ROOT).contains("upgrade"), head);
        }
    }

    @Test
    void anUpgradeToAnUnknownAgentIs404() throws Exception {
        SocketServer server = server();
        agent(server, server.port(), ConnectionConfig.defaults());
        try (java.net.Socket socket = raw(server, "GET /agents/nobody/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")) {
            String head = head(socket.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 404"), head);
        }
    }
}
