package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Found by the chaos soak (bench/soak.sh, issue 16; RELIABILITY.md): an upstream that refuses a
 * body before reading it, answering 413 and closing the connection while the body still comes (as
 * Undertow does over its entity limit), made {@code agent --forward} fail with 500 "handler failed:
 * ConnectionClosedException" about one time in ten: the write of the body failed, aborted the
 * connection, and reading the answer's body then found it closed. The caller must get the
 * upstream's refusal (its status), never a 500 that blames the agent.
 */
@Timeout(60)
class EarlyRefusalTest {
    private static final int BODY = 8 * 1024 * 1024;
    private static final byte[] ANSWER = ("HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 9\r\nConnection: close\r\n\r\ntoo large").getBytes(StandardCharsets.US_ASCII);

    private ServerSocket upstream;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeEach
    void start() throws IOException {
        upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(() -> {
            while (!upstream.isClosed()) {
                try (Socket s = upstream.accept()) {
                    readHead(s.getInputStream());
                    s.getOutputStream().write(ANSWER); // before a byte of the body: a refusal
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // closed at the end of the test, or the agent gave up: the next accept tells
                }
            }
        });
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
        threads.shutdownNow();
        assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS));
    }

    private static void readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the request head ended early");
            }
            head.write(b);
        }
    }

    /** A body that is never all there at once: the handler sends it as it comes, on a thread of its own. */
    private static InputStream slowBody() {
        return new InputStream() {
            private int left = BODY;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0];
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left == 0) {
                    return -1;
                }
                int n = Math.min(Math.min(len, 16 * 1024), left);
                left -= n;
                return n;
            }

            @Override
            public int available() {
                return 0;
            }
        };
    }

    @Test
    void theUpstreamsRefusalReachesTheCallerNeverA500() throws Exception {
        ForwardingHandler handler = ForwardingHandler.to(URI.create("http://127.0.0.1:" + upstream.getLocalPort()));
        for (int i = 0; i < 40; i++) {
            BasicClassicHttpRequest request = new BasicClassicHttpRequest("POST", "/upload");
            request.setEntity(new InputStreamEntity(slowBody(), BODY, ContentType.APPLICATION_OCTET_STREAM));
            ClassicHttpResponse response = new BasicClassicHttpResponse(200);
            handler.handle(request, response, HttpCoreContext.create());
            try (response) {
                int code = response.getCode();
                String body = response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity());
                assertTrue(code == 413 || code == 502, "call " + i + ": " + code + " " + body);
            }
        }
    }
}
