package io.swaggersocket.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.ForwardingHandler;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.util.StatusCodes;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code Expect: 100-continue} end to end: client -> ingress -> agent -> a service that sends its
 * 100 only when it reads the body (Undertow's HttpContinueReadHandler), or refuses without reading.
 * The continue waits are set to minutes, so only the service's own decision can move the client.
 */
@Timeout(60)
class ExpectContinueTest {
    @org.junit.jupiter.api.extension.RegisterExtension
    final io.swaggersocket.testing.Resources resources = new io.swaggersocket.testing.Resources();
    private Undertow upstream;

    @AfterEach
    void closeAll() throws Exception {
        resources.close();
        if (upstream != null) {
            upstream.stop();
        }
    }

    private SocketServer start() throws Exception {
        HttpHandler reads = exchange -> {
            long n = exchange.getInputStream().transferTo(OutputStreamNull.INSTANCE);
            exchange.getResponseSender().send("read " + n);
        };
        upstream = Undertow.builder().addHttpListener(0, "127.0.0.1")
                .setServerOption(io.undertow.UndertowOptions.MAX_ENTITY_SIZE, -1L).setHandler(Handlers.path()
                .addPrefixPath("/upload", Handlers.httpContinueRead(new io.undertow.server.handlers.BlockingHandler(reads)))
                .addPrefixPath("/reject", Handlers.httpContinueRead(exchange -> {
                    exchange.setStatusCode(StatusCodes.REQUEST_ENTITY_TOO_LARGE);
                    exchange.getResponseSender().send("too large");
                }))).build();
        upstream.start();
        int port = ((InetSocketAddress) upstream.getListenerInfo().get(0).getAddress()).getPort();
        ConnectionConfig waitsLong = ConnectionConfig.builder().continueTimeout(Duration.ofMinutes(5)).build();
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true)
                .connectionConfig(waitsLong).build();
        resources.track(server);
        CompletableFuture<Void> arrived = new CompletableFuture<>();
        server.addListener(event -> {
            if (event.type() == ConnectionEvent.Type.RECEIVED) {
                arrived.complete(null);
            }
        });
        server.start();
        SocketClient agent = SocketClient.builder(server.uri()).metadata(Map.of("name", "edge"))
                .connectionConfig(waitsLong).build();
        resources.track(agent);
        ForwardingHandler forward = ForwardingHandler.to(URI.create("http://127.0.0.1:" + port));
        resources.track(forward);
        agent.serve(forward);
        agent.connect();
        arrived.get(10, TimeUnit.SECONDS);
        return server;
    }

    private static String head(InputStream in) throws IOException {
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

    private static Socket send(SocketServer server, String path, int length) throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(("PUT /agents/edge" + path + " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
    }

    @Test
    void theServiceAsksForTheBodyAndTheClientSendsItOnlyThen() throws Exception {
        SocketServer server = start();
        int length = 3 * 1024 * 1024;
        for (int round = 0; round < 2; round++) {
            try (Socket socket = send(server, "/upload", length)) {
                InputStream in = socket.getInputStream();
                String interim = head(in);
                assertTrue(interim.startsWith("HTTP/1.1 100"), interim); // before a byte of the body went
                socket.getOutputStream().write(new byte[length]);
                socket.getOutputStream().flush();
                String last = head(in);
                assertTrue(last.startsWith("HTTP/1.1 200"), last);
                assertEquals("read " + length, new String(in.readNBytes(("read " + length).length()), StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void aServiceThatRefusesIsHeardWithoutTheBodyBeingSent() throws Exception {
        SocketServer server = start();
        for (int round = 0; round < 2; round++) {
            try (Socket socket = send(server, "/reject", 50 * 1024 * 1024)) {
                InputStream in = socket.getInputStream();
                String last = head(in); // no body sent: the refusal comes all the same
                assertTrue(last.startsWith("HTTP/1.1 413"), last);
                assertTrue(last.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), last);
                assertEquals("too large", new String(in.readNBytes(9), StandardCharsets.US_ASCII));
            }
        }
    }

    /** Discards what is written. */
    private static final class OutputStreamNull extends java.io.OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
