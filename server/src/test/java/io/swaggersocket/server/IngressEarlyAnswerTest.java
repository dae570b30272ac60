package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * An agent that answers before it has read the request body (as an upstream behind
 * {@code agent --forward} does with 413 for a body over its limit) is heard by the caller: the
 * ingress cuts the rest of such an upload by closing the client's connection, and the answer goes
 * out before that close. Checked while looking into what the chaos soak (bench/soak.sh, issue 16)
 * saw when its upstream refused bodies over 2 MiB: callers whose connection closed with no answer
 * at all (RELIABILITY.md, "What the soak found"). That bug needed a real agent that resets the
 * stream after its answer (cli's EarlyRefusalThroughTheTunnelTest fails without the fix, this does not).
 */
@Timeout(60)
class IngressEarlyAnswerTest {
    private static final int BODY = 4 * 1024 * 1024;

    private Dialer dialer;
    private SocketServer server;
    private final EventLog events = new EventLog();

    @BeforeEach
    void start() throws Exception {
        dialer = new Dialer();
        server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true).build();
        server.addListener(events);
        server.start();
        HttpRequestHandler refuses = (request, response, context) -> {
            response.setCode(413); // without reading a byte of the body
            response.setEntity(new StringEntity("too large", ContentType.TEXT_PLAIN));
        };
        Dialer.Dialed dialed = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", "early"),
                refuses, ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id());
    }

    @AfterEach
    void stop() {
        dialer.close();
        server.close();
    }

    @RepeatedTest(5)
    void anAnswerBeforeTheBodyReachesTheCaller() throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(30_000);
            // The body goes on a thread of its own, as a client that writes while it reads: the server's
            // close may end it with a broken pipe, which is not what this test is about.
            CompletableFuture<Void> sending = RawHttp.upload(socket, "/agents/early/upload", "", BODY)
                    .exceptionally(cutWhenClosed -> null);
            InputStream in = socket.getInputStream();
            RawHttp.Response response = RawHttp.read(in);
            assertEquals(413, response.status());
            assertEquals("too large", response.body());
            sending.get(30, TimeUnit.SECONDS);
        }
    }
}
