package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An ingress call refused before its body is read (401, 404) on a connection that closes after the
 * answer ({@code Connection: close}, as HAProxy's {@code http-server-close} sends every request):
 * the client gets the answer and its whole body is taken, rather than a TCP reset that throws the
 * answer away. Behind HAProxy the soak saw those as connections closed with no answer
 * (RELIABILITY.md, "What the soak found").
 */
@Timeout(60)
class RefusedUploadTest {
    private static final String TOKEN = "refused-upload-token-1";
    private static final int BODY = 8 * 1024 * 1024;

    private SocketServer server;

    @BeforeEach
    void start() throws Exception {
        server = SocketServer.builder().bind("127.0.0.1", 0).authenticator(BearerTokens.of(TOKEN)).ingress(true).build();
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @ParameterizedTest
    @CsvSource({"wrong-token, 401, invalid token", TOKEN + ", 404, no agent named"})
    void aRefusedUploadOnAClosingConnectionGetsItsAnswer(String token, int status, String says) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(30_000);
            CompletableFuture<Void> sending = RawHttp.upload(socket, "/agents/nobody/upload",
                    "Authorization: Bearer " + token + "\r\nConnection: close\r\n", BODY);
            // The whole body is taken (read and dropped), never refused with a reset.
            sending.get(30, TimeUnit.SECONDS);
            RawHttp.Response response = RawHttp.read(socket.getInputStream());
            assertEquals(status, response.status(), response.body());
            assertTrue(response.body().contains(says), response.body());
            assertEquals("close", response.headers().get("connection"));
        }
    }
}
