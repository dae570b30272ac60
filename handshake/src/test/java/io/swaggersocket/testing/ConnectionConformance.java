package io.swaggersocket.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamContext;
import io.swaggersocket.mux.StreamResetException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.AbstractHttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every transport under {@link SocketConnection} must show, written once. A transport
 * test implements {@link #connect} (and so {@link ConnectedPair#sever()}) and inherits every test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public interface ConnectionConformance {

    /** Opens one connection whose two ends serve the given handlers (either may be null). */
    ConnectedPair connect(ConnectionConfig config, HttpRequestHandler dialerHandler, HttpRequestHandler acceptorHandler)
            throws Exception;

    private static HttpRequestHandler echo(String side) {
        return (request, response, context) -> {
            byte[] body = request.getEntity() == null ? new byte[0] : EntityUtils.toByteArray(request.getEntity());
            response.setEntity(new ByteArrayEntity(
                    (side + " " + request.getMethod() + " " + request.getPath() + " " + new String(body, StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8), ContentType.TEXT_PLAIN));
        };
    }

    private static String body(ClassicHttpResponse response) throws Exception {
        try (response) {
            return response.getEntity() == null ? null : EntityUtils.toString(response.getEntity());
        }
    }

    @Test
    default void requestsGoBothWaysAndErrorStatusesAreResponses() throws Exception {
        Router acceptorRoutes = new Router().route("/echo", echo("acceptor"))
                .route("/boom", (req, resp, ctx) -> {
                    throw new IllegalStateException("handler bug");
                });
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), echo("dialer"), acceptorRoutes)) {
            assertEquals("acceptor POST /echo?q=1 hello", body(pair.dialer().execute(
                    ClassicRequestBuilder.post("/echo?q=1").setEntity("hello").build())));
            assertEquals("dialer GET /anything ", body(pair.acceptor().execute(
                    ClassicRequestBuilder.get("/anything").build())));
            ClassicHttpResponse notFound = pair.dialer().execute(ClassicRequestBuilder.get("/missing").build());
            assertEquals(404, notFound.getCode());
            assertEquals("no route /missing", body(notFound));
            try (LoggedRecords log = LoggedRecords.of("io.swaggersocket.mux.HandlerCall")) {
                ClassicHttpResponse failed = pair.dialer().execute(ClassicRequestBuilder.get("/boom").build());
                assertEquals(500, failed.getCode());
                assertEquals("handler failed: IllegalStateException", body(failed));
                // the caller learns only the status: the cause is logged where the handler ran
                log.await(LoggedRecords.thrown(java.util.logging.Level.WARNING, "handler bug"), Duration.ofSeconds(10));
            }
            assertEquals("acceptor GET /echo still up", body(pair.dialer().execute(
                    ClassicRequestBuilder.get("/echo").setEntity("still up").build())));
        }
    }

    @Test
    default void thousandConcurrentRequestsEachWayGetTheirOwnAnswers() throws Exception {
        int n = 1000;
        ConnectionConfig config = ConnectionConfig.builder().maxConcurrentStreams(n + 100).build();
        try (ConnectedPair pair = connect(config, echo("dialer"), echo("acceptor"))) {
            List<CompletableFuture<ClassicHttpResponse>> fromDialer = new ArrayList<>();
            List<CompletableFuture<ClassicHttpResponse>> fromAcceptor = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                fromDialer.add(pair.dialer().executeAsync(
                        ClassicRequestBuilder.post("/d/" + i).setEntity("body-" + i).build()));
                fromAcceptor.add(pair.acceptor().executeAsync(
                        ClassicRequestBuilder.put("/a/" + i).setEntity("payload-" + i).build()));
            }
            for (int i = 0; i < n; i++) {
                assertEquals("acceptor POST /d/" + i + " body-" + i, body(fromDialer.get(i).get()));
                assertEquals("dialer PUT /a/" + i + " payload-" + i, body(fromAcceptor.get(i).get()));
            }
            assertEquals(0, pair.dialer().activeStreams());
        }
    }

    @Test
    default void largeBodiesStreamBothWaysIntact() throws Exception {
        long size = 256L * 1024 * 1024;
        HttpRequestHandler hashAndSendBack = (request, response, context) -> {
            String received = Bodies.sha256(request.getEntity().getContent());
            response.setHeader("X-Received-Sha256", received);
            response.setEntity(Bodies.generated(size, 7, false));
        };
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, hashAndSendBack)) {
            try (ClassicHttpResponse response = pair.dialer().execute(
                    ClassicRequestBuilder.post("/upload").setEntity(Bodies.generated(size, 3, true)).build())) {
                assertEquals(200, response.getCode());
                assertEquals(Bodies.expectedSha256(size, 3) + ":" + size,
                        response.getFirstHeader("X-Received-Sha256").getValue());
                assertEquals("chunked", response.getFirstHeader(HttpHeaders.TRANSFER_ENCODING).getValue());
                assertEquals(Bodies.expectedSha256(size, 7) + ":" + size,
                        Bodies.sha256(response.getEntity().getContent()));
            }
        }
    }

    @Test
    default void smallRequestIsAnsweredWhileAnotherStreamsReaderStalls() throws Exception {
        Router routes = new Router()
                .route("/big", (req, resp, ctx) -> resp.setEntity(Bodies.generated(32L * 1024 * 1024, 1, true)))
                .route("/small", echo("acceptor"));
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, routes)) {
            ClassicHttpResponse stalled = pair.dialer().execute(ClassicRequestBuilder.get("/big").build());
            try (InputStream in = stalled.getEntity().getContent()) {
                assertTrue(in.read() >= 0); // the big body is flowing, and then nobody reads it
                for (int i = 0; i < 20; i++) {
                    assertEquals("acceptor GET /small " + i, body(pair.dialer().executeAsync(
                            ClassicRequestBuilder.get("/small").setEntity(Integer.toString(i)).build())
                            .get(10, TimeUnit.SECONDS)));
                }
            }
        }
    }

    @Test
    default void closingAResponseEarlyResetsTheStreamAndTheHandlerSeesIt() throws Exception {
        CompletableFuture<Throwable> handlerSaw = new CompletableFuture<>();
        HttpRequestHandler endless = (request, response, context) -> response.setEntity(new AbstractHttpEntity(
                ContentType.APPLICATION_OCTET_STREAM, null, true) {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                byte[] chunk = new byte[1024];
                try {
                    while (true) {
                        out.write(chunk);
                        out.flush();
                    }
                } catch (IOException e) {
                    handlerSaw.complete(e);
                    throw e;
                }
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
                return true;
            }

            @Override
            public void close() {
            }
        });
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, endless)) {
            ClassicHttpResponse response = pair.dialer().execute(ClassicRequestBuilder.get("/endless").build());
            InputStream in = response.getEntity().getContent();
            assertEquals(4096, in.readNBytes(4096).length);
            response.close();
            StreamResetException seen = assertInstanceOf(StreamResetException.class, handlerSaw.get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.CANCEL, seen.errorCode());
            // The connection outlives the reset stream: the dialer serves no handler, so 503.
            assertEquals(503, pair.acceptor().execute(ClassicRequestBuilder.get("/x").build()).getCode());
        }
    }

    @Test
    default void cancellingTheFutureReachesTheFarHandler() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<IOException> handlerSaw = new CompletableFuture<>();
        HttpRequestHandler waits = (request, response, context) -> {
            StreamContext stream = StreamContext.of(context);
            stream.cancellation().thenAccept(handlerSaw::complete);
            started.countDown();
            try {
                handlerSaw.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException(e);
            }
            assertTrue(stream.isCancelled());
        };
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, waits)) {
            CompletableFuture<ClassicHttpResponse> call = pair.dialer().executeAsync(ClassicRequestBuilder.get("/wait").build());
            assertTrue(started.await(10, TimeUnit.SECONDS));
            assertTrue(call.cancel(true));
            StreamResetException seen = assertInstanceOf(StreamResetException.class, handlerSaw.get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.CANCEL, seen.errorCode());
            assertThrows(CancellationException.class, call::join);
        }
    }

    @Test
    default void aRequestTimeoutResetsTheStreamAndTheHandlerSeesIt() throws Exception {
        CompletableFuture<IOException> handlerSaw = new CompletableFuture<>();
        HttpRequestHandler neverAnswers = (request, response, context) -> {
            StreamContext.of(context).cancellation().thenAccept(handlerSaw::complete);
            try {
                handlerSaw.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IOException(e);
            }
        };
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, neverAnswers)) {
            SocketTimeoutException timeout = assertThrows(SocketTimeoutException.class,
                    () -> pair.dialer().execute(ClassicRequestBuilder.get("/slow").build(), Duration.ofMillis(200)));
            assertEquals("stream 1: no response within PT0.2S", timeout.getMessage());
            assertEquals(ErrorCode.CANCEL, ((StreamResetException) handlerSaw.get(10, TimeUnit.SECONDS)).errorCode());
        }
    }

    @Test
    default void losingThePeerFailsEveryInFlightCallWithOneCause() throws Exception {
        int n = 50;
        CountDownLatch started = new CountDownLatch(n);
        CountDownLatch never = new CountDownLatch(1);
        HttpRequestHandler hangs = (request, response, context) -> {
            started.countDown();
            try {
                never.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, hangs)) {
            List<CompletableFuture<ClassicHttpResponse>> calls = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                calls.add(pair.dialer().executeAsync(ClassicRequestBuilder.get("/hang/" + i).build()));
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            pair.sever().run();
            Throwable first = null;
            for (CompletableFuture<ClassicHttpResponse> call : calls) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
                SocketClosedException closed = assertInstanceOf(SocketClosedException.class, e.getCause());
                assertEquals(1006, closed.closeCode());
                if (first == null) {
                    first = closed;
                }
                assertSame(first, closed);
            }
            ExecutionException onClose = assertThrows(ExecutionException.class,
                    () -> pair.dialer().closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertSame(first, onClose.getCause());
            assertThrows(SocketClosedException.class, () -> pair.dialer().execute(ClassicRequestBuilder.get("/x").build()));
            assertFalse(pair.dialer().isOpen());
            never.countDown();
        }
    }

    @Test
    default void bodiesOfEveryShapeArriveAsDeclared() throws Exception {
        Router routes = new Router()
                .route("/known", (req, resp, ctx) -> resp.setEntity(new StringEntity("twelve bytes", ContentType.TEXT_PLAIN)))
                .route("/unknown", (req, resp, ctx) -> resp.setEntity(new InputStreamEntity(
                        new java.io.ByteArrayInputStream("streamed".getBytes(StandardCharsets.UTF_8)), -1, ContentType.TEXT_PLAIN)))
                .route("/empty", (req, resp, ctx) -> resp.setEntity(new StringEntity("", ContentType.TEXT_PLAIN)))
                .route("/none", (req, resp, ctx) -> resp.setCode(204))
                .route("/unchanged", (req, resp, ctx) -> resp.setCode(304))
                .route("/request", (req, resp, ctx) -> resp.setEntity(new StringEntity(
                        req.getEntity() == null ? "no entity" : req.getEntity().getContentLength() + ":"
                                + EntityUtils.toString(req.getEntity()), ContentType.TEXT_PLAIN)));
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, routes)) {
            SocketConnection c = pair.dialer();
            ClassicHttpResponse known = c.execute(ClassicRequestBuilder.get("/known").build());
            assertEquals(12, known.getEntity().getContentLength());
            assertEquals("text/plain; charset=UTF-8", known.getEntity().getContentType());
            assertEquals("twelve bytes", body(known));
            ClassicHttpResponse unknown = c.execute(ClassicRequestBuilder.get("/unknown").build());
            assertEquals(-1, unknown.getEntity().getContentLength());
            assertEquals("streamed", body(unknown));
            ClassicHttpResponse empty = c.execute(ClassicRequestBuilder.get("/empty").build());
            assertNull(empty.getEntity());
            assertEquals("0", empty.getFirstHeader(HttpHeaders.CONTENT_LENGTH).getValue());
            ClassicHttpResponse head = c.execute(ClassicRequestBuilder.head("/known").build());
            assertNull(head.getEntity());
            assertEquals("12", head.getFirstHeader(HttpHeaders.CONTENT_LENGTH).getValue());
            assertNull(c.execute(ClassicRequestBuilder.get("/none").build()).getEntity());
            assertNull(c.execute(ClassicRequestBuilder.get("/unchanged").build()).getEntity());
            assertEquals("no entity", body(c.execute(ClassicRequestBuilder.get("/request").build())));
            assertEquals("-1:streamed up", body(c.execute(ClassicRequestBuilder.post("/request").setEntity(new InputStreamEntity(
                    new java.io.ByteArrayInputStream("streamed up".getBytes(StandardCharsets.UTF_8)), -1, ContentType.TEXT_PLAIN)).build())));
            assertEquals(0, c.activeStreams());
        }
    }

    @Test
    default void aBodyShorterThanItsContentLengthIsAnErrorNotATruncation() throws Exception {
        HttpRequestHandler lies = (request, response, context) -> response.setEntity(new InputStreamEntity(
                new java.io.ByteArrayInputStream(new byte[10]), 100, ContentType.APPLICATION_OCTET_STREAM));
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, lies)) {
            ClassicHttpResponse response = pair.dialer().execute(ClassicRequestBuilder.get("/lies").build());
            assertEquals(100, response.getEntity().getContentLength());
            StreamResetException e = assertThrows(StreamResetException.class,
                    () -> response.getEntity().getContent().readAllBytes());
            assertEquals(ErrorCode.INTERNAL_ERROR, e.errorCode());
        }
    }

    @Test
    default void streamsOverTheLimitAreRefusedWithARetryableCode() throws Exception {
        CountDownLatch started = new CountDownLatch(4);
        CountDownLatch release = new CountDownLatch(1);
        HttpRequestHandler gate = (request, response, context) -> {
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        ConnectionConfig config = ConnectionConfig.builder().maxConcurrentStreams(4).build();
        try (ConnectedPair pair = connect(config, null, gate)) {
            List<CompletableFuture<ClassicHttpResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(pair.dialer().executeAsync(ClassicRequestBuilder.get("/gate").build()));
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            StreamResetException refused = assertThrows(StreamResetException.class,
                    () -> pair.dialer().execute(ClassicRequestBuilder.get("/gate").build()));
            assertTrue(refused.isRetryable());
            assertEquals(ErrorCode.REFUSED_STREAM, refused.errorCode());
            release.countDown();
            for (CompletableFuture<ClassicHttpResponse> call : calls) {
                assertEquals(200, call.get(10, TimeUnit.SECONDS).getCode());
            }
        }
    }

    @Test
    default void gracefulShutdownLetsStreamsInFlightFinishAndRefusesNewOnes() throws Exception {
        CountDownLatch started = new CountDownLatch(10);
        CountDownLatch release = new CountDownLatch(1);
        HttpRequestHandler gate = (request, response, context) -> {
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            response.setEntity(new StringEntity("done " + request.getPath(), ContentType.TEXT_PLAIN));
        };
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, gate)) {
            List<CompletableFuture<ClassicHttpResponse>> calls = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                calls.add(pair.dialer().executeAsync(ClassicRequestBuilder.get("/gate/" + i).build()));
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            pair.acceptor().shutdown();
            assertFalse(pair.acceptor().isOpen());
            StreamResetException refused = assertThrows(StreamResetException.class,
                    () -> pair.acceptor().execute(ClassicRequestBuilder.get("/new").build()));
            assertTrue(refused.isRetryable());
            release.countDown();
            for (int i = 0; i < 10; i++) {
                assertEquals("done /gate/" + i, body(calls.get(i).get(10, TimeUnit.SECONDS)));
            }
            assertTrue(pair.acceptor().awaitTermination(Duration.ofSeconds(10)));
            assertNull(pair.acceptor().closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertNull(pair.dialer().closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    default void aHandlerCanCallTheOtherSideBackOnTheSameConnection() throws Exception {
        HttpRequestHandler callsBack = (request, response, context) -> {
            SocketConnection back = StreamContext.of(context).connection();
            try (ClassicHttpResponse answer = back.execute(ClassicRequestBuilder.get("/callback").build())) {
                response.setEntity(new StringEntity("acceptor got: " + EntityUtils.toString(answer.getEntity()),
                        ContentType.TEXT_PLAIN));
            } catch (org.apache.hc.core5.http.ParseException e) {
                throw new IOException(e);
            }
        };
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), echo("dialer"), callsBack)) {
            assertEquals("acceptor got: dialer GET /callback ", body(pair.dialer().execute(
                    ClassicRequestBuilder.get("/start").build())));
        }
    }

    @Test
    default void aHandlerThatIgnoresALargeUploadStillAnswersAndTheUploadStops() throws Exception {
        HttpRequestHandler ignoresBody = (request, response, context) ->
                response.setEntity(new StringEntity("ignored", ContentType.TEXT_PLAIN));
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, ignoresBody)) {
            for (int i = 0; i < 3; i++) {
                assertEquals("ignored", body(pair.dialer().execute(ClassicRequestBuilder.post("/ignore")
                        .setEntity(Bodies.generated(64L * 1024 * 1024, i, i % 2 == 0)).build())));
            }
            // The uploads are written aside and stop when the RESET NO_ERROR comes: a graceful
            // shutdown waits for them, and far less than one 64 MiB upload went out in all.
            pair.dialer().shutdown();
            assertTrue(pair.dialer().awaitTermination(Duration.ofSeconds(30)));
            assertTrue(pair.dialer().bytesOut() < 64L * 1024 * 1024, "sent " + pair.dialer().bytesOut());
        }
    }

    @Test
    default void aLongAnswerToAnIgnoredUploadReachesTheCallerOfExecute() throws Exception {
        byte[] answer = new byte[1024 * 1024];
        new java.util.Random(7).nextBytes(answer);
        HttpRequestHandler ignoresBody = (request, response, context) ->
                response.setEntity(new ByteArrayEntity(answer, ContentType.APPLICATION_OCTET_STREAM));
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, ignoresBody)) {
            for (int i = 0; i < 2; i++) {
                try (ClassicHttpResponse response = pair.dialer().execute(ClassicRequestBuilder.post("/ignore")
                        .setEntity(Bodies.generated(64L * 1024 * 1024, i, i % 2 == 0)).build())) {
                    assertArrayEquals(answer, EntityUtils.toByteArray(response.getEntity()));
                }
            }
        }
    }
}
