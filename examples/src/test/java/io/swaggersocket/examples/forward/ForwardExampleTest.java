package io.swaggersocket.examples.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.ForwardingHandler;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import io.swaggersocket.testing.Bodies;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A local service exposed through a real tunnel on 127.0.0.1 by {@link ForwardingHandler}. */
@Timeout(60)
class ForwardExampleTest {
    private static final long MIB = 1024 * 1024;

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /** A server and an agent serving {@code handler}; the server's end of the connection. */
    private SocketConnection tunnelTo(HttpRequestHandler handler) throws Exception {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build();
        resources.add(server);
        CompletableFuture<SocketConnection> arrived = new CompletableFuture<>();
        server.addListener(event -> {
            if (event.type() == ConnectionEvent.Type.RECEIVED) {
                arrived.complete(event.connection());
            }
        });
        server.start();
        SocketClient agent = SocketClient.builder(server.uri()).metadata(Map.of("name", "edge")).build();
        resources.add(agent);
        agent.serve(handler);
        agent.connect();
        return arrived.get(10, TimeUnit.SECONDS);
    }

    private LocalService local() throws Exception {
        LocalService local = LocalService.start();
        resources.add(local);
        return local;
    }

    private static String header(ClassicHttpResponse response, String name) {
        return response.getFirstHeader(name) == null ? null : response.getFirstHeader(name).getValue();
    }

    @Test
    void sixtyFourMibStreamBothWaysAndArriveIntact() throws Exception {
        SocketConnection toAgent = tunnelTo(ForwardingHandler.to(local().uri()));
        long size = 64 * MIB;
        try (ClassicHttpResponse response = toAgent.execute(ClassicRequestBuilder
                .post("/exchange?bytes=" + size + "&seed=12").setEntity(Bodies.generated(size, 11, true)).build())) {
            assertEquals(200, response.getCode());
            assertEquals(Long.toString(size), header(response, "X-Received-Bytes"));
            assertEquals(Bodies.expectedSha256(size, 11), header(response, "X-Received-Sha256"));
            assertEquals(size, response.getEntity().getContentLength());
            String arrived = Bodies.sha256(response.getEntity().getContent());
            assertEquals(Bodies.expectedSha256(size, 12) + ":" + size, arrived);
            assertEquals(header(response, "X-Sha256") + ":" + size, arrived);
        }
    }

    @Test
    void aBodyOfUnknownLengthStreamsChunkedBothWays() throws Exception {
        SocketConnection toAgent = tunnelTo(ForwardingHandler.to(local().uri()));
        long size = 16 * MIB + 3;
        try (ClassicHttpResponse response = toAgent.execute(ClassicRequestBuilder
                .post("/exchange?bytes=" + size + "&seed=22").setEntity(Bodies.generated(size, 21, false)).build())) {
            assertEquals(Long.toString(size), header(response, "X-Received-Bytes"));
            assertEquals(Bodies.expectedSha256(size, 21), header(response, "X-Received-Sha256"));
            assertEquals(Bodies.expectedSha256(size, 22) + ":" + size, Bodies.sha256(response.getEntity().getContent()));
        }
    }

    @Test
    void theLocalServiceGeneratesWhatBodiesExpects() {
        assertEquals(Bodies.expectedSha256(MIB + 5, 9), LocalService.sha256(MIB + 5, 9));
    }

    @Test
    void aStoppedServiceIs502AndTheTunnelStaysUp() throws Exception {
        LocalService local = local();
        SocketConnection toAgent = tunnelTo(ForwardingHandler.to(local.uri()));
        local.stop();
        try (ClassicHttpResponse response = toAgent.execute(ClassicRequestBuilder.get("/status").build())) {
            assertEquals(502, response.getCode());
            assertTrue(EntityUtils.toString(response.getEntity()).startsWith("{\"error\":\"upstream " + local.uri()));
        }
        assertTrue(toAgent.isOpen());
    }

    @Test
    void aCallerTimeoutCancelsTheUpstreamExchange() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SocketConnection toAgent = tunnelTo(ForwardingHandler.to(URI.create("http://127.0.0.1:" + silent.getLocalPort())));
            CompletableFuture<Boolean> closedByAgent = CompletableFuture.supplyAsync(() -> {
                try (Socket s = silent.accept(); InputStream in = s.getInputStream()) {
                    while (in.read() >= 0) {
                        // the request head, then nothing until the agent gives up
                    }
                    return true;
                } catch (java.io.IOException e) {
                    return true; // reset: closed all the same
                }
            });
            assertThrows(SocketTimeoutException.class,
                    () -> toAgent.execute(ClassicRequestBuilder.get("/slow").build(), Duration.ofMillis(300)));
            assertTrue(closedByAgent.get(10, TimeUnit.SECONDS), "the agent did not cancel the upstream call");
        }
    }

    @Test
    void theExampleRunsAndSaysWhatItDid() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ForwardExample.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        for (String expected : List.of(
                "server -> agent  GET /status            200 {\"service\":\"inventory\",\"ok\":true}",
                "server -> agent  GET /items?color=red   200 [{\"sku\":\"A-1\",\"color\":\"red\"},{\"sku\":\"B-7\",\"color\":\"red\"}]",
                "server -> agent  POST /exchange  200: sent 8 MiB, the service got 8388608 bytes, SHA-256 matches; "
                        + "got 8388608 bytes back, SHA-256 matches",
                "(local service stopped)",
                "server -> agent  GET /status            502 {\"error\":\"upstream http://127.0.0.1:")) {
            assertTrue(out.contains(expected), () -> "missing '" + expected + "' in:\n" + out);
        }
        assertTrue(out.strip().endsWith("done"), out);
    }
}
