package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.testing.Bodies;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code java.net.http.HttpClient} over a {@link SocketConnection}, on the in-memory pipe. */
@Timeout(30)
class HttpTransportsJdkTest {
    private static final String BASE = "http://api.example:8443";

    private HttpTransportFixture fixture;
    private HttpClient client;

    @BeforeEach
    void connect() throws Exception {
        fixture = new HttpTransportFixture();
        client = HttpTransports.httpClient(fixture.connection());
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    private static HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(BASE + pathAndQuery));
    }

    // ---------------------------------------------------------------------------------------------
    // Requests

    @Test
    void getWithQueryKeepsPathRawQueryAndAuthorityAsHost() throws Exception {
        HttpResponse<String> response = client.send(request("/echo?a=1&b=x%20y&c=%26").GET().build(),
                BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("GET", response.headers().firstValue("x-method").orElseThrow());
        assertEquals("/echo?a=1&b=x%20y&c=%26", response.headers().firstValue("X-Path").orElseThrow());
        assertEquals("api.example:8443", response.headers().firstValue("X-Host").orElseThrow());
        assertEquals("none", response.headers().firstValue("X-Content-Length").orElseThrow());
        assertEquals("", response.body());
        assertEquals(URI.create(BASE + "/echo?a=1&b=x%20y&c=%26"), response.uri());
        assertEquals(HttpClient.Version.HTTP_1_1, response.version());
        assertTrue(response.previousResponse().isEmpty());
        assertTrue(response.sslSession().isEmpty());
    }

    @Test
    void postJsonString() throws Exception {
        String json = "{\"name\":\"caf\u00e9\",\"n\":1}";
        HttpResponse<String> response = client.send(request("/echo").header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(json)).build(), BodyHandlers.ofString());
        assertEquals("POST", response.headers().firstValue("X-Method").orElseThrow());
        assertEquals("application/json", response.headers().firstValue("X-Content-Type").orElseThrow());
        assertEquals(Integer.toString(json.getBytes(StandardCharsets.UTF_8).length),
                response.headers().firstValue("X-Content-Length").orElseThrow());
        assertEquals(json, response.body());
    }

    @Test
    void putInputStreamOfUnknownLengthStreams8MiB() throws Exception {
        long length = 8L * 1024 * 1024;
        HttpResponse<String> response = client.send(request("/sha")
                .PUT(BodyPublishers.ofInputStream(() -> {
                    try {
                        return HttpTransportFixture.generatedStream(length, 42);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })).build(), BodyHandlers.ofString());
        assertEquals(Bodies.expectedSha256(length, 42) + ":" + length, response.body());
        assertEquals("none", response.headers().firstValue("X-Content-Length").orElseThrow());
    }

    @Test
    void everyStandardBodyPublisherArrivesWhole(@TempDir Path dir) throws Exception {
        byte[] bytes = "some bytes \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        Path file = Files.write(dir.resolve("body.bin"), new byte[300_000]);
        String fileSha = Bodies.sha256(Files.newInputStream(file));
        assertEquals("none:", echoBody(BodyPublishers.noBody()));
        assertEquals("11:abc def ghi", echoBody(BodyPublishers.ofString("abc def ghi")));
        assertEquals(bytes.length + ":" + new String(bytes, StandardCharsets.ISO_8859_1), echoBody(BodyPublishers.ofByteArray(bytes)));
        assertEquals("none:xyz", echoBody(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream("xyz".getBytes(StandardCharsets.US_ASCII)))));
        assertEquals(fileSha, client.send(request("/sha").POST(BodyPublishers.ofFile(file)).build(),
                BodyHandlers.ofString()).body());
    }

    /** "Content-Length seen by the handler:body echoed". */
    private String echoBody(BodyPublisher publisher) throws Exception {
        HttpResponse<String> response = client.send(request("/echo").POST(publisher).build(),
                BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
        String length = response.headers().firstValue("X-Content-Length").orElseThrow();
        return ("0".equals(length) ? "none" : length) + ":" + response.body();
    }

    @Test
    void aSlowPublisherIsAskedForOneBufferAtATime() throws Exception {
        SlowPublisher publisher = new SlowPublisher(200, 4096);
        try {
            HttpResponse<String> response = client.send(request("/sha").PUT(publisher).build(), BodyHandlers.ofString());
            assertTrue(response.body().endsWith(":" + 200 * 4096), response.body());
            assertEquals(1, publisher.maxOutstanding.get(), "demand beyond one buffer");
            assertEquals(201, publisher.requests.get(), "one request per buffer, then one that completes");
        } finally {
            publisher.emitter.shutdownNow();
        }
    }

    @Test
    void aFailingPublisherFailsTheCallAndResetsTheStream() {
        BodyPublisher failing = BodyPublishers.fromPublisher(subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            private int sent;

            @Override
            public void request(long n) {
                if (sent++ == 0) {
                    subscriber.onNext(ByteBuffer.wrap(new byte[100]));
                } else {
                    subscriber.onError(new IllegalStateException("disk on fire"));
                }
            }

            @Override
            public void cancel() {
            }
        }));
        IOException e = assertThrows(IOException.class, () -> client.send(request("/sha").PUT(failing).build(),
                BodyHandlers.ofString()));
        assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
    }

    // ---------------------------------------------------------------------------------------------
    // Responses

    @Test
    void a404IsAResponse() throws Exception {
        HttpResponse<String> response = client.send(request("/missing?x=1").build(), BodyHandlers.ofString());
        assertEquals(404, response.statusCode());
        assertEquals("no route /missing?x=1", response.body());
        HttpResponse<String> async = client.sendAsync(request("/missing").build(), BodyHandlers.ofString(), null)
                .get(10, TimeUnit.SECONDS);
        assertEquals(404, async.statusCode());
    }

    @Test
    void aHeadResponseHasAnEmptyBody() throws Exception {
        HttpResponse<String> response = client.send(request("/lines").method("HEAD", BodyPublishers.noBody()).build(),
                BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("14", response.headers().firstValue("Content-Length").orElseThrow());
        assertEquals("", response.body());
    }

    @Test
    void everyStandardBodyHandlerGetsTheWholeBody(@TempDir Path dir) throws Exception {
        int length = 1024 * 1024 + 17; // several flow-control windows
        String sha = Bodies.expectedSha256(length, 7) + ":" + length;
        HttpRequest big = request("/big?" + length).build();
        assertEquals(sha, Bodies.sha256(new ByteArrayInputStream(client.send(big, BodyHandlers.ofByteArray()).body())));
        try (InputStream in = client.send(big, BodyHandlers.ofInputStream()).body()) {
            assertEquals(sha, Bodies.sha256(in));
        }
        Path file = client.send(big, BodyHandlers.ofFile(dir.resolve("big.bin"))).body();
        assertEquals(sha, Bodies.sha256(Files.newInputStream(file)));
        assertNull(client.send(big, BodyHandlers.discarding()).body());
        assertEquals(sha, Bodies.sha256(new ByteArrayInputStream(client.sendAsync(big, BodyHandlers.ofByteArray())
                .get(10, TimeUnit.SECONDS).body())));

        HttpRequest lines = request("/lines").build();
        assertEquals("one\ntwo\nthree\n", client.send(lines, BodyHandlers.ofString()).body());
        assertEquals(List.of("one", "two", "three"),
                client.send(lines, BodyHandlers.ofLines()).body().collect(Collectors.toList()));
        assertEquals(List.of("one", "two", "three"),
                client.sendAsync(lines, BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS).body().collect(Collectors.toList()));
        assertEquals(0, fixture.connection().activeStreams());
    }

    @Test
    void fromSubscriberGetsDemandRespectedAndNeverAnIoThread() throws Exception {
        int length = 600_000;
        RecordingSubscriber subscriber = new RecordingSubscriber(false);
        HttpResponse<Void> response = client.sendAsync(request("/big?" + length).build(),
                BodyHandlers.fromSubscriber(subscriber)).get(10, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        assertTrue(subscriber.done.get(10, TimeUnit.SECONDS));
        assertEquals(length, subscriber.bytes.get());
        assertEquals(0, subscriber.overDemand.get(), "onNext beyond demand");
        assertFalse(subscriber.threads.isEmpty());
        for (String thread : subscriber.threads) {
            assertFalse(thread.startsWith("memory-io"), "subscriber called on I/O thread " + thread);
        }
    }

    @Test
    void aBuilderExecutorDeliversTheBody() throws Exception {
        ExecutorService mine = Executors.newFixedThreadPool(2, r -> new Thread(r, "mine"));
        try {
            HttpClient withExecutor = HttpTransports.httpClientBuilder(fixture.connection()).executor(mine).build();
            RecordingSubscriber subscriber = new RecordingSubscriber(false);
            withExecutor.sendAsync(request("/big?100000").build(), BodyHandlers.fromSubscriber(subscriber))
                    .get(10, TimeUnit.SECONDS);
            assertTrue(subscriber.done.get(10, TimeUnit.SECONDS));
            assertEquals(Set.of("mine"), subscriber.threads);
            assertEquals(mine, withExecutor.executor().orElseThrow());
        } finally {
            mine.shutdownNow();
        }
    }

    @Test
    void ofInputStreamStreamsBeforeTheHandlerHasFinished() throws Exception {
        HttpResponse<InputStream> response = client.send(request("/stream").build(), BodyHandlers.ofInputStream());
        assertStreams(response);
    }

    @Test
    void ofInputStreamStreamsAsynchronouslyToo() throws Exception {
        assertStreams(client.sendAsync(request("/stream").build(), BodyHandlers.ofInputStream()).get(10, TimeUnit.SECONDS));
    }

    private void assertStreams(HttpResponse<InputStream> response) throws IOException {
        assertEquals(200, response.statusCode());
        try (InputStream in = response.body()) {
            byte[] first = in.readNBytes(6);
            assertEquals("first\n", new String(first, StandardCharsets.US_ASCII));
            assertEquals(1, fixture.connection().activeStreams(), "the handler has not finished");
            fixture.release.countDown();
            assertEquals("second\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void headersRoundTripMultiValued() throws Exception {
        HttpResponse<String> response = client.send(request("/multi").header("X-Multi", "a").header("X-Multi", "b, c")
                .header("X-Multi", "d").build(), BodyHandlers.ofString());
        assertEquals(List.of("a", "b, c", "d"), fixture.multiSeen);
        assertEquals(List.of("a", "b, c", "d"), response.headers().allValues("x-multi"));
        assertEquals(List.of("a=1; Path=/", "b=2; Path=/"), response.headers().allValues("SET-COOKIE"));
    }

    @Test
    void aCookieHandlerStoresAndSendsCookies() throws Exception {
        HttpClient withCookies = HttpTransports.httpClientBuilder(fixture.connection())
                .cookieHandler(new CookieManager()).build();
        assertEquals("", withCookies.send(request("/multi").build(), BodyHandlers.ofString()).body());
        String sent = withCookies.send(request("/multi").build(), BodyHandlers.ofString()).body();
        assertTrue(sent.contains("a=1") && sent.contains("b=2"), sent);
    }

    // ---------------------------------------------------------------------------------------------
    // Failures and cancellation

    @Test
    void theRequestTimeoutGivesHttpTimeoutExceptionAndResetsTheStream() throws Exception {
        HttpRequest slow = request("/hang").timeout(Duration.ofMillis(100)).build();
        HttpTimeoutException e = assertThrows(HttpTimeoutException.class, () -> client.send(slow, BodyHandlers.ofString()));
        assertInstanceOf(java.net.SocketTimeoutException.class, e.getCause());
        assertInstanceOf(StreamResetException.class, fixture.cancelled.get(10, TimeUnit.SECONDS));
    }

    @Test
    void theRequestTimeoutFailsSendAsyncWithHttpTimeoutException() throws Exception {
        CompletableFuture<HttpResponse<String>> call = client.sendAsync(
                request("/hang").timeout(Duration.ofMillis(100)).build(), BodyHandlers.ofString());
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
        assertInstanceOf(HttpTimeoutException.class, e.getCause());
        assertInstanceOf(StreamResetException.class, fixture.cancelled.get(10, TimeUnit.SECONDS));
    }

    @Test
    void theRequestTimeoutAlsoEndsAWaitForAStalledPublisher() {
        BodyPublisher stalled = BodyPublishers.fromPublisher(subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                // never produces
            }

            @Override
            public void cancel() {
            }
        }));
        HttpRequest request = request("/sha").timeout(Duration.ofMillis(100)).PUT(stalled).build();
        assertThrows(HttpTimeoutException.class, () -> client.send(request, BodyHandlers.ofString()));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> client.sendAsync(request, BodyHandlers.ofString()).get(10, TimeUnit.SECONDS));
        assertInstanceOf(HttpTimeoutException.class, e.getCause());
    }

    @Test
    void fiftyConcurrentSendAsyncCallsAreAllInFlightAtOnce() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < HttpTransportFixture.CONCURRENT; i++) {
            calls.add(client.sendAsync(request("/n?" + i).build(), BodyHandlers.ofString()));
        }
        for (int i = 0; i < calls.size(); i++) {
            assertEquals("n=" + i, calls.get(i).get(20, TimeUnit.SECONDS).body());
        }
    }

    @Test
    void losingThePeerFailsCallsInFlightAndLaterOnesWithIOException() throws Exception {
        CompletableFuture<HttpResponse<String>> call = client.sendAsync(request("/hang").build(), BodyHandlers.ofString());
        assertTrue(fixture.started.await(10, TimeUnit.SECONDS));
        fixture.sever();
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
        assertInstanceOf(SocketClosedException.class, e.getCause());
        assertThrows(SocketClosedException.class, () -> client.send(request("/echo").build(), BodyHandlers.ofString()));
    }

    @Test
    void losingThePeerMidBodyFailsTheBodyRead() throws Exception {
        HttpResponse<InputStream> response = client.send(request("/stream").build(), BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            assertEquals("first\n", new String(in.readNBytes(6), StandardCharsets.US_ASCII));
            fixture.sever();
            assertThrows(IOException.class, in::readAllBytes);
        }
    }

    @Test
    void aSubscriberCancelResetsTheStream() throws Exception {
        RecordingSubscriber cancelsAtOnce = new RecordingSubscriber(true);
        IOException e = assertThrows(IOException.class, () -> client.send(request("/endless").build(),
                BodyHandlers.fromSubscriber(cancelsAtOnce)));
        assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
        StreamResetException reset = assertInstanceOf(StreamResetException.class,
                fixture.cancelled.get(10, TimeUnit.SECONDS));
        assertEquals(ErrorCode.CANCEL, reset.errorCode());
    }

    @Test
    void closingAnInputStreamBodyEarlyResetsTheStream() throws Exception {
        HttpResponse<InputStream> response = client.send(request("/endless").build(), BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            assertEquals(1000, in.readNBytes(1000).length);
        }
        assertInstanceOf(StreamResetException.class, fixture.cancelled.get(10, TimeUnit.SECONDS));
    }

    @Test
    void cancellingTheSendAsyncFutureResetsTheStream() throws Exception {
        CompletableFuture<HttpResponse<String>> call = client.sendAsync(request("/hang").build(), BodyHandlers.ofString());
        assertTrue(fixture.started.await(10, TimeUnit.SECONDS));
        assertTrue(call.cancel(true));
        assertInstanceOf(StreamResetException.class, fixture.cancelled.get(10, TimeUnit.SECONDS));
    }

    @Test
    void cancelRacingTheResponseLeavesNoStreamOpen() throws Exception {
        for (int i = 0; i < 500; i++) {
            CompletableFuture<HttpResponse<String>> call = client.sendAsync(request("/lines").build(), BodyHandlers.ofString());
            if (i % 2 == 0) {
                call.cancel(true);
            } else {
                Thread.onSpinWait();
                call.cancel(true);
            }
            try {
                assertEquals("one\ntwo\nthree\n", call.get(10, TimeUnit.SECONDS).body());
            } catch (java.util.concurrent.CancellationException expected) {
                // cancelled before the body was ready
            }
        }
        assertEquals("one\ntwo\nthree\n", client.send(request("/lines").build(), BodyHandlers.ofString()).body());
        assertDrains();
    }

    @Test
    void closingAnInputStreamRacingTheEndOfTheBodyLeavesNoStreamOpen() throws Exception {
        for (int i = 0; i < 500; i++) {
            HttpResponse<InputStream> response = client.send(request("/lines").build(), BodyHandlers.ofInputStream());
            if (i % 2 == 0) {
                response.body().read();
            }
            response.body().close();
        }
        assertDrains();
    }

    /** A graceful shutdown completes only once every stream on the connection has ended. */
    private void assertDrains() throws InterruptedException {
        fixture.connection().shutdown();
        assertTrue(fixture.connection().awaitTermination(Duration.ofSeconds(10)), "streams left open");
    }

    // ---------------------------------------------------------------------------------------------
    // The builder, as a generated native ApiClient uses it

    @Test
    void theBuilderAcceptsWhatGeneratedClientsSetAndBuildsSocketClients() throws Exception {
        HttpClient.Builder builder = HttpTransports.httpClientBuilder(fixture.connection())
                .connectTimeout(Duration.ofSeconds(3))
                .version(HttpClient.Version.HTTP_2)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .proxy(java.net.ProxySelector.getDefault())
                .priority(5);
        HttpClient first = builder.build();
        HttpClient second = builder.build();
        for (HttpClient c : List.of(first, second)) {
            assertEquals(404, c.send(request("/nowhere").build(), BodyHandlers.discarding()).statusCode());
        }
        assertEquals(Duration.ofSeconds(3), first.connectTimeout().orElseThrow());
        assertEquals(HttpClient.Version.HTTP_1_1, first.version());
        assertEquals(HttpClient.Redirect.NEVER, first.followRedirects());
        assertTrue(first.proxy().isEmpty());
        assertTrue(first.authenticator().isEmpty());
        assertTrue(first.executor().isEmpty());
        assertTrue(first.cookieHandler().isEmpty());
        assertEquals(javax.net.ssl.SSLContext.getDefault(), first.sslContext());
        assertTrue(first.sslParameters().getProtocols().length > 0);
        assertThrows(IllegalArgumentException.class, () -> builder.connectTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> builder.priority(0));
        assertThrows(NullPointerException.class, () -> builder.executor(null));
    }

    // ---------------------------------------------------------------------------------------------

    /** Records what it receives; asks for one buffer at a time; optionally cancels on the first. */
    private static final class RecordingSubscriber implements Flow.Subscriber<List<ByteBuffer>> {
        final boolean cancelOnFirst;
        final AtomicLong bytes = new AtomicLong();
        final AtomicInteger outstanding = new AtomicInteger();
        final AtomicInteger overDemand = new AtomicInteger();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        final CompletableFuture<Boolean> done = new CompletableFuture<>();
        private Flow.Subscription subscription;

        RecordingSubscriber(boolean cancelOnFirst) {
            this.cancelOnFirst = cancelOnFirst;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            outstanding.incrementAndGet();
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            threads.add(Thread.currentThread().getName());
            if (outstanding.decrementAndGet() < 0) {
                overDemand.incrementAndGet();
            }
            item.forEach(b -> bytes.addAndGet(b.remaining()));
            if (cancelOnFirst) {
                subscription.cancel();
                done.complete(false);
                return;
            }
            outstanding.incrementAndGet();
            subscription.request(1);
        }

        @Override
        public void onError(Throwable throwable) {
            done.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            done.complete(true);
        }
    }

    /**
     * A body publisher that emits {@code count} buffers of {@code size} bytes, each from another
     * thread after it was asked for, and records the most demand it ever had outstanding.
     */
    private static final class SlowPublisher implements BodyPublisher {
        final ExecutorService emitter = Executors.newSingleThreadExecutor();
        final AtomicInteger maxOutstanding = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        private final int count;
        private final int size;

        SlowPublisher(int count, int size) {
            this.count = count;
            this.size = size;
        }

        @Override
        public long contentLength() {
            return -1;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            AtomicLong outstanding = new AtomicLong();
            AtomicInteger sent = new AtomicInteger();
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                    requests.incrementAndGet();
                    long now = outstanding.addAndGet(n);
                    maxOutstanding.accumulateAndGet((int) Math.min(now, Integer.MAX_VALUE), Math::max);
                    emitter.execute(() -> {
                        if (sent.get() == count) {
                            subscriber.onComplete();
                            return;
                        }
                        sent.incrementAndGet();
                        outstanding.decrementAndGet();
                        subscriber.onNext(ByteBuffer.wrap(new byte[size]));
                    });
                }

                @Override
                public void cancel() {
                }
            });
        }
    }
}
