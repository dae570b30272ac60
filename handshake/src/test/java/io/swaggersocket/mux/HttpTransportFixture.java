package io.swaggersocket.mux;

import io.swaggersocket.testing.Bodies;
import io.swaggersocket.testing.ConnectedPair;
import io.swaggersocket.testing.MemoryPipe;
import io.swaggersocket.testing.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * A connected pair over the in-memory pipe whose accepting side serves the routes the transport
 * tests call; the dialing side is where the transports under test send from. One per test.
 */
final class HttpTransportFixture implements AutoCloseable {
    static final int CONCURRENT = 50;

    final ConnectedPair pair;
    /** Counted down by /hang, /stream and /endless when their handler starts. */
    final CountDownLatch started = new CountDownLatch(1);
    /** Lets /stream write the rest of its body. */
    final CountDownLatch release = new CountDownLatch(1);
    /** /n waits until this many calls are in its handler at once. */
    final CountDownLatch allIn = new CountDownLatch(CONCURRENT);
    /** Completes with the reason when the stream of /hang or /endless is abandoned by the caller. */
    final CompletableFuture<IOException> cancelled = new CompletableFuture<>();
    /** The values of every request header named X-Multi that /multi saw, in order. */
    final List<String> multiSeen = new CopyOnWriteArrayList<>();

    HttpTransportFixture() throws Exception {
        Router router = new Router()
                .route("/echo", this::echo)
                .route("/sha", (request, response, context) -> {
                    Header length = request.getFirstHeader("Content-Length");
                    response.setHeader("X-Content-Length", length == null ? "none" : length.getValue());
                    response.setEntity(new StringEntity(request.getEntity() == null ? "no body"
                            : Bodies.sha256(request.getEntity().getContent()), ContentType.TEXT_PLAIN));
                })
                .route("/big", (request, response, context) -> response.setEntity(
                        Bodies.generated(Long.parseLong(query(request)), 7, true)))
                .route("/lines", (request, response, context) ->
                        response.setEntity(new StringEntity("one\ntwo\nthree\n", ContentType.TEXT_PLAIN)))
                .route("/multi", (request, response, context) -> {
                    for (Header h : request.getHeaders("X-Multi")) {
                        multiSeen.add(h.getValue());
                        response.addHeader("X-Multi", h.getValue());
                    }
                    response.addHeader("Set-Cookie", "a=1; Path=/");
                    response.addHeader("Set-Cookie", "b=2; Path=/");
                    Header cookie = request.getFirstHeader("Cookie");
                    response.setEntity(new StringEntity(cookie == null ? "" : cookie.getValue()));
                })
                .route("/stream", (request, response, context) -> response.setEntity(streaming()))
                .route("/hang", (request, response, context) -> {
                    StreamContext.of(context).cancellation().thenAccept(cancelled::complete);
                    started.countDown();
                    try {
                        StreamContext.of(context).cancellation().toCompletableFuture().get(20, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IOException("the caller never gave up", e);
                    }
                })
                .route("/endless", (request, response, context) -> {
                    StreamContext.of(context).cancellation().thenAccept(cancelled::complete);
                    started.countDown();
                    response.setEntity(endless());
                })
                .route("/n", (request, response, context) -> {
                    allIn.countDown();
                    await(allIn);
                    response.setEntity(new StringEntity("n=" + query(request), ContentType.TEXT_PLAIN));
                });
        MemoryPipe pipe = new MemoryPipe();
        CompletableFuture<SocketConnection> acceptor = SocketConnection.accept(pipe.b(), "memory-http", null,
                ConnectionConfig.defaults(), router);
        SocketConnection dialer = SocketConnection.dial(pipe.a(), null, ConnectionConfig.defaults(), null)
                .get(10, TimeUnit.SECONDS);
        pair = new ConnectedPair(dialer, acceptor.get(10, TimeUnit.SECONDS), pipe::sever, () -> { });
    }

    /** The side the transports send from. */
    SocketConnection connection() {
        return pair.dialer();
    }

    /** Loses the transport under both ends. */
    void sever() {
        pair.sever().run();
    }

    @Override
    public void close() throws Exception {
        release.countDown();
        pair.close();
    }

    /** Answers with what arrived: X-Method, X-Path (raw, with query), X-Host, X-Content-Type, X-Content-Length; the body echoed. */
    private void echo(ClassicHttpRequest request, org.apache.hc.core5.http.ClassicHttpResponse response, HttpContext context)
            throws IOException {
        response.setHeader("X-Method", request.getMethod());
        response.setHeader("X-Path", request.getPath());
        response.setHeader("X-Host", value(request, "Host"));
        response.setHeader("X-Content-Type", value(request, "Content-Type"));
        response.setHeader("X-Content-Length", value(request, "Content-Length"));
        HttpEntity body = request.getEntity();
        response.setEntity(new ByteArrayEntity(body == null ? new byte[0] : EntityUtils.toByteArray(body),
                ContentType.TEXT_PLAIN));
    }

    private static String value(ClassicHttpRequest request, String name) {
        Header h = request.getFirstHeader(name);
        return h == null ? "none" : h.getValue();
    }

    private static String query(ClassicHttpRequest request) {
        String path = request.getPath();
        return path.substring(path.indexOf('?') + 1);
    }

    /** "first\n" at once, "second\n" once the test releases it. */
    private AbstractHttpEntity streaming() {
        started.countDown();
        return new WriteOnlyEntity() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write("first\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                await(release);
                out.write("second\n".getBytes(StandardCharsets.US_ASCII));
            }
        };
    }

    /** Writes until the stream is reset. */
    private static AbstractHttpEntity endless() {
        return new WriteOnlyEntity() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                byte[] chunk = new byte[16 * 1024];
                for (;;) {
                    out.write(chunk);
                    out.flush();
                }
            }
        };
    }

    private static void await(CountDownLatch latch) throws IOException {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new IOException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /**
     * {@code length} bytes of {@link Bodies#generated} as an InputStream, produced by a daemon
     * thread through a pipe, so the body exists nowhere in full.
     */
    static InputStream generatedStream(long length, long seed) throws IOException {
        PipedInputStream in = new PipedInputStream(64 * 1024);
        PipedOutputStream out = new PipedOutputStream(in);
        Thread producer = new Thread(() -> {
            try (out) {
                Bodies.generated(length, seed, false).writeTo(out);
            } catch (IOException e) {
                // the reader went away
            }
        }, "generated-body");
        producer.setDaemon(true);
        producer.start();
        return in;
    }

    private abstract static class WriteOnlyEntity extends AbstractHttpEntity {
        WriteOnlyEntity() {
            super(ContentType.TEXT_PLAIN, null, true);
        }

        @Override
        public InputStream getContent() {
            throw new UnsupportedOperationException();
        }

        @Override
        public long getContentLength() {
            return -1;
        }

        @Override
        public boolean isRepeatable() {
            return false;
        }

        @Override
        public boolean isStreaming() {
            return false;
        }

        @Override
        public void close() {
        }
    }
}
