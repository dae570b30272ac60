package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.xnio.IoUtils;

/**
 * An agent lost while a caller's upload is still coming in (the agent has stopped reading, so the
 * upload waits for credit): the caller gets 502 naming the lost agent, not a connection closed
 * without an answer. Written while following the chaos soak's {@code header parser received no
 * bytes} for uploads behind HAProxy (RELIABILITY.md): with {@code Connection: close}, as HAProxy's
 * {@code http-server-close} sends, the server closed with the rest of the upload unread, and the
 * reset that sends threw the 502 away ({@link UnreadBody}).
 */
@Timeout(60)
class IngressUploadToLostAgentTest {
    private static final int BODY = 8 * 1024 * 1024;
    private static final int READ_BEFORE_LOSS = 256 * 1024;

    private Dialer dialer;
    private SocketServer server;
    private Dialer.Dialed agent;
    private final EventLog events = new EventLog();
    private final CountDownLatch reading = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        dialer = new Dialer();
        server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true).build();
        server.addListener(events);
        server.start();
        HttpRequestHandler readsThenHangs = (request, response, context) -> {
            InputStream body = request.getEntity().getContent();
            body.readNBytes(READ_BEFORE_LOSS);
            reading.countDown();
            body.readAllBytes(); // stops taking the rest: the agent is about to be lost
        };
        agent = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", "doomed"),
                readsThenHangs, ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());
    }

    @AfterEach
    void stop() {
        dialer.close();
        server.close();
    }

    @RepeatedTest(3)
    void anUploadToAnAgentLostMidBodyGets502() throws Exception {
        uploadToALostAgent("");
    }

    /** As HAProxy's {@code http-server-close} sends every request: the connection closes after the answer. */
    @RepeatedTest(3)
    void anUploadOnAClosingConnectionToAnAgentLostMidBodyGets502() throws Exception {
        uploadToALostAgent("Connection: close\r\n");
    }

    private void uploadToALostAgent(String header) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(30_000);
            // taken whole, never cut with a reset
            CompletableFuture<Void> sending = RawHttp.upload(socket, "/agents/doomed/upload", header, BODY);
            assertTrue(reading.await(20, TimeUnit.SECONDS), "the agent got the start of the body");
            IoUtils.safeClose(agent.socket()); // the agent's transport drops, as when its process is killed
            RawHttp.Response response = RawHttp.read(socket.getInputStream());
            assertEquals(502, response.status(), response.body());
            assertTrue(response.body().contains("lost agent \\\"doomed\\\""), response.body());
            sending.get(30, TimeUnit.SECONDS);
        }
    }
}
