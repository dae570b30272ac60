package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ingress's I/O-thread path ({@link IngressCall}): what it relays without blocking, and
 * keep-alive connections (pipelined, concurrent) served through it on real sockets.
 */
@Timeout(60)
class IngressCallTest {
    private Dialer dialer;
    private SocketServer server;
    private final EventLog events = new EventLog();

    @BeforeEach
    void start() throws Exception {
        dialer = new Dialer();
        server = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true).build();
        server.addListener(events);
        server.start();
        Dialer.Dialed dialed = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", "a1"),
                new TestAgent("agent a1"), ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id());
    }

    @AfterEach
    void stop() {
        dialer.close();
        server.close();
    }

    // ---------------------------------------------------------------------------------------------
    // What may be relayed from the I/O thread (in memory)

    @Test
    void aSmallBodyThatHasArrivedWholeIsReadWithoutBlocking() throws IOException {
        Body in = new Body("hello\n", 6);
        assertArrayEquals("hello\n".getBytes(StandardCharsets.US_ASCII), IngressCall.arrived(entity(in, 6)));
        assertEquals(0, in.blockingReads, "only bytes that were there were read");
    }

    @Test
    void aBodyNotWhollyArrivedIsLeftForAThreadUnread() throws IOException {
        Body in = new Body("hello\n", 3);
        assertNull(IngressCall.arrived(entity(in, 6)));
        assertEquals(0, in.reads, "nothing was taken from it");
    }

    @Test
    void aBodyOfUnknownLengthOrOverTheCapIsLeftForAThread() throws IOException {
        Body unknown = new Body("hello\n", 6);
        assertNull(IngressCall.arrived(entity(unknown, -1)), "its end cannot be known without blocking");
        Body large = new Body("x".repeat(IngressHandler.ARRIVED_BODY_MAX + 1), IngressHandler.ARRIVED_BODY_MAX + 1);
        assertNull(IngressCall.arrived(entity(large, IngressHandler.ARRIVED_BODY_MAX + 1)));
        assertEquals(0, unknown.reads + large.reads);
    }

    @Test
    void anEmptyBodyIsWhole() throws IOException {
        assertArrayEquals(new byte[0], IngressCall.arrived(entity(new Body("", 0), 0)));
    }

    @Test
    void aBodyEndingBeforeItsLengthIsNeverPassedAsWhole() {
        Body lying = new Body("hel", 6); // claims 6 available, ends after 3
        assertThrows(EOFException.class, () -> IngressCall.arrived(entity(lying, 6)));
    }

    // ---------------------------------------------------------------------------------------------
    // Real sockets

    @Test
    void pipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(20_000);
            StringBuilder requests = new StringBuilder();
            int n = 20;
            for (int i = 0; i < n; i++) {
                requests.append("GET /agents/a1/info/").append(i).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(requests.toString().getBytes(StandardCharsets.US_ASCII)); // all at once
            InputStream in = socket.getInputStream();
            for (int i = 0; i < n; i++) {
                String head = IngressTest.readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                String body = new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8);
                assertEquals("GET /info/" + i, body.split("\n")[1], "answer " + i);
            }
        }
    }

    @Test
    void concurrentKeepAliveConnectionsEachGetTheirOwnAnswers() throws Exception {
        int connections = 16;
        int calls = 50;
        ExecutorService callers = Executors.newFixedThreadPool(connections);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                int id = c;
                done.add(callers.submit(() -> {
                    try (Socket socket = new Socket("127.0.0.1", server.port())) {
                        socket.setSoTimeout(20_000);
                        OutputStream out = socket.getOutputStream();
                        InputStream in = socket.getInputStream();
                        for (int i = 0; i < calls; i++) {
                            String path = "/info/" + id + "-" + i;
                            out.write(("GET /agents/a1" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII));
                            String head = IngressTest.readHead(in);
                            assertTrue(head.startsWith("HTTP/1.1 200"), head);
                            String body = new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8);
                            assertEquals("GET " + path, body.split("\n")[1]);
                        }
                        return calls;
                    }
                }));
            }
            for (Future<Integer> f : done) {
                assertEquals(calls, f.get(50, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aBodilessCallWhoseAnswerStreamsIsRelayedWhole() throws Exception {
        // /big: 3 MiB of unknown length, so an ingress thread streams it
        java.net.http.HttpResponse<byte[]> r = IngressTest.HTTP.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + server.port() + "/agents/a1/big?mib=3")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals(3 * TestAgent.MIB, r.body().length);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(TestAgent.BLOCK, java.util.Arrays.copyOfRange(r.body(), i * TestAgent.MIB,
                    (i + 1) * TestAgent.MIB), "MiB " + i);
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        throw new AssertionError("no Content-Length in " + head);
    }

    private static AbstractHttpEntity entity(InputStream in, long length) {
        return new AbstractHttpEntity((String) null, null, false) {
            @Override
            public InputStream getContent() {
                return in;
            }

            @Override
            public long getContentLength() {
                return length;
            }

            @Override
            public boolean isRepeatable() {
                return false;
            }

            @Override
            public boolean isStreaming() {
                return true;
            }

            @Override
            public void writeTo(OutputStream out) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void close() {
            }
        };
    }

    /** A body of which {@code available} bytes have arrived; a read past them counts as one that would block. */
    private static final class Body extends InputStream {
        private final ByteArrayInputStream bytes;
        private int available;
        int reads;
        int blockingReads;

        Body(String content, int available) {
            this.bytes = new ByteArrayInputStream(content.getBytes(StandardCharsets.US_ASCII));
            this.available = available;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            reads++;
            if (available == 0) {
                blockingReads++;
            }
            int n = bytes.read(b, off, Math.min(len, Math.max(available, 1)));
            if (n > 0) {
                available -= Math.min(available, n);
            }
            return n;
        }

        @Override
        public int available() {
            return available;
        }
    }
}
