package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Found by the chaos soak (bench/soak.sh, issue 16; RELIABILITY.md): an upstream behind
 * {@code agent --forward} that refuses a body before reading it (413 over its limit, then it
 * closes) left about 4 % of the callers with no answer at all ("header parser received no
 * bytes"). The agent answered; the ingress then closed the caller's connection at once with the
 * rest of the upload unread, which is a TCP reset that took the answer with it. Every caller must
 * get an answer: the upstream's 413, or a 502 that says the upstream closed.
 */
@Timeout(120)
class EarlyRefusalThroughTheTunnelTest {
    private static final String TOKEN = "early-refusal-token";
    private static final int BODY = 4 * 1024 * 1024;
    private static final int CALLS = 40;
    private static final byte[] REFUSAL = ("HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 9\r\nConnection: close\r\n\r\ntoo large").getBytes(StandardCharsets.US_ASCII);

    @org.junit.jupiter.api.extension.RegisterExtension
    final io.swaggersocket.testing.Resources resources = new io.swaggersocket.testing.Resources();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private ServerSocket upstream;

    @BeforeEach
    void startUpstream() throws IOException {
        upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!upstream.isClosed()) {
                try {
                    Socket s = upstream.accept();
                    threads.execute(() -> refuse(s));
                } catch (IOException e) {
                    // closed at the end of the test
                }
            }
        });
    }

    @AfterEach
    void stopUpstream() throws Exception {
        upstream.close();
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** Answers 413 after the head, before a byte of the body, and closes: as Undertow over its entity limit. */
    private static void refuse(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.write(b);
            }
            s.getOutputStream().write(REFUSAL);
            s.getOutputStream().flush();
        } catch (IOException e) {
            // the agent gave up on this connection: the caller's answer says so
        }
    }

    @Test
    void everyCallerGetsTheRefusalOrA502NeverASilentClose() throws Exception {
        ConnectionConfig config = ConnectionConfig.defaults();
        Lines serverOut = new Lines();
        ServerCommand.Running server = resources.track(ServerCommand.start(ServerCommand.parse(
                List.of("--listen", "127.0.0.1:0", "--token", TOKEN)), config, serverOut.stream));
        serverOut.awaitStartingWith("swaggersocket server listening: ");
        Lines agentOut = new Lines();
        resources.track(AgentCommand.start(AgentCommand.parse(List.of("--server",
                "ws://127.0.0.1:" + server.server().port() + "/tunnel", "--name", "refuser", "--token", TOKEN,
                "--forward", "http://127.0.0.1:" + upstream.getLocalPort())), config,
                ReconnectPolicy.defaults(), agentOut.stream));
        serverOut.await(l -> l.startsWith("agent refuser (connection "), "for the agent");

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        byte[] body = new byte[BODY];
        URI uri = URI.create("http://127.0.0.1:" + server.server().port() + "/agents/refuser/upload");
        for (int i = 0; i < CALLS; i++) {
            HttpResponse<String> response;
            try {
                response = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN)
                        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                fail("call " + i + " of " + CALLS + " got no answer: " + e);
                return;
            }
            int code = response.statusCode();
            assertTrue(code == 413 || code == 502, "call " + i + ": " + code + " " + response.body());
        }
    }
}
