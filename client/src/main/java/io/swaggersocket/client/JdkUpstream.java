package io.swaggersocket.client;

import io.swaggersocket.mux.StreamContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpStatus;

/**
 * Thread-safe: the way {@link ForwardingHandler} calls its upstream when it is given a
 * {@link java.net.http.HttpClient} ({@link ForwardingHandler.Builder#httpClient}). Kept for callers
 * that need that client's own settings (a proxy selector, an authenticator, HTTP/2); the default
 * pooled client ({@link PooledUpstream}) costs a fraction of the CPU per call.
 */
final class JdkUpstream {
    private static final System.Logger LOG = System.getLogger(JdkUpstream.class.getName());

    private final URI upstream;
    /** {@code scheme://authority/base}, no trailing slash. */
    private final String prefix;
    private final HttpClient client;
    private final Duration requestTimeout;

    JdkUpstream(URI upstream, String prefix, HttpClient client, Duration requestTimeout) {
        this.upstream = upstream;
        this.prefix = prefix;
        this.client = client;
        this.requestTimeout = requestTimeout;
    }

    /** Called with a path already checked for dot segments. */
    void forward(ClassicHttpRequest request, String path, ClassicHttpResponse response, StreamContext stream)
            throws IOException {
        HttpRequest outgoing;
        try {
            outgoing = upstreamRequest(request, path);
        } catch (IllegalArgumentException e) {
            ForwardingHandler.fail(response, HttpStatus.SC_BAD_REQUEST, "cannot forward " + request.getMethod() + " "
                    + request.getPath() + ": " + e.getMessage());
            return;
        }
        CompletableFuture<HttpResponse<InputStream>> call = client.sendAsync(outgoing, BodyHandlers.ofInputStream());
        if (stream != null) {
            stream.cancellation().whenComplete((cause, ignored) -> call.cancel(true));
        }
        HttpResponse<InputStream> answer;
        try {
            answer = call.get();
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for " + where(outgoing));
        } catch (CancellationException e) {
            // Only the caller's cancellation cancels the call: nobody is left to answer.
            throw new InterruptedIOException("the caller cancelled " + where(outgoing));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            LOG.log(System.Logger.Level.DEBUG, "{0}: upstream failed: {1}", where(outgoing), cause);
            String timeout = timeout(cause);
            if (timeout != null) {
                ForwardingHandler.fail(response, HttpStatus.SC_GATEWAY_TIMEOUT,
                        "upstream " + upstream + " timed out: " + timeout);
            } else {
                ForwardingHandler.fail(response, HttpStatus.SC_BAD_GATEWAY,
                        "upstream " + upstream + " failed: " + ForwardingHandler.describe(cause));
            }
            return;
        }
        copyResponse(answer, response);
    }

    /**
     * What timed out, when {@code failure} is (or is caused by) a timeout of the client, else null.
     * The JDK reports a request timeout that ends while still connecting as a connect timeout.
     */
    static String timeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return ForwardingHandler.CONNECT_TIMED_OUT;
            }
            if (t instanceof HttpTimeoutException) {
                return ForwardingHandler.RESPONSE_TIMED_OUT;
            }
        }
        return null;
    }

    private HttpRequest upstreamRequest(ClassicHttpRequest request, String path) {
        URI target;
        try {
            target = new URI(prefix + path);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("the target is no valid URI: " + e.getMessage(), e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(target).method(request.getMethod(), publisher(request.getEntity()));
        if (!requestTimeout.isZero()) {
            b.timeout(requestTimeout);
        }
        List<String> connection = new ArrayList<>();
        for (Header h : request.getHeaders(HttpHeaders.CONNECTION)) {
            connection.add(h.getValue());
        }
        Set<String> dropped = ForwardingHandler.droppedHeaders(connection);
        boolean hasContentType = false;
        for (Header h : request.getHeaders()) {
            if (!dropped.contains(h.getName())) {
                try {
                    b.header(h.getName(), h.getValue());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("header " + h.getName() + " is refused by the HTTP client: "
                            + e.getMessage(), e);
                }
                hasContentType |= h.getName().equalsIgnoreCase(HttpHeaders.CONTENT_TYPE);
            }
        }
        HttpEntity entity = request.getEntity();
        if (!hasContentType && entity != null && entity.getContentType() != null) {
            b.header(HttpHeaders.CONTENT_TYPE, entity.getContentType());
        }
        return b.build();
    }

    private static BodyPublisher publisher(HttpEntity entity) {
        if (entity == null || entity.getContentLength() == 0) {
            return BodyPublishers.noBody();
        }
        return new StreamPublisher(entity, entity.getContentLength());
    }

    private static void copyResponse(HttpResponse<InputStream> answer, ClassicHttpResponse response)
            throws IOException {
        int status = answer.statusCode();
        response.setCode(status);
        response.setReasonPhrase(null);
        Map<String, List<String>> headers = answer.headers().map();
        Set<String> dropped = ForwardingHandler.droppedHeaders(answer.headers().allValues(HttpHeaders.CONNECTION));
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(":") || dropped.contains(name)) {
                continue; // an HTTP/2 pseudo-header or a hop-by-hop one
            }
            for (String value : e.getValue()) {
                response.addHeader(name, value);
            }
        }
        InputStream body = answer.body();
        if (status < HttpStatus.SC_OK || status == HttpStatus.SC_NO_CONTENT || status == HttpStatus.SC_NOT_MODIFIED) {
            body.close(); // these have no body, whatever the method
            return;
        }
        OptionalLong declared = answer.headers().firstValueAsLong(HttpHeaders.CONTENT_LENGTH);
        boolean chunked = answer.headers().firstValue(HttpHeaders.TRANSFER_ENCODING).isPresent();
        long length = declared.isPresent() && !chunked ? declared.getAsLong() : -1;
        // After HEAD the entity is never read: it only states the length (or chunking) a GET would have.
        ContentType type = answer.headers().firstValue(HttpHeaders.CONTENT_TYPE).map(ContentType::parseLenient)
                .orElse(null);
        // The Content-Type header copied above is what goes on the wire; the entity's is for readers.
        response.setEntity(new LiveBodyEntity(body, length, type));
    }

    /** Method and URI without the query, which may carry credentials. */
    private static String where(HttpRequest outgoing) {
        URI uri = outgoing.uri();
        return outgoing.method() + " " + uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
    }

    /**
     * A request body read from the entity's stream on a thread of its own, one read per buffer
     * the client asks for, each passed on at once. The JDK's {@code BodyPublishers.ofInputStream}
     * reads ahead on the client's worker thread, and while that read blocks, bytes it already read
     * may wait unsent: a body that pauses (a caller streaming as it goes) would reach the upstream
     * late, and an upstream that answers part of it before the rest comes would stall.
     *
     * <p>The reading thread ends with the body, or when the stream fails or is closed (the
     * connection closes every request entity once the handler is done).
     */
    private static final class StreamPublisher implements BodyPublisher {
        private static final int BUFFER = 32 * 1024;
        private static final Executor READERS = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "swaggersocket-forward-body");
            t.setDaemon(true);
            return t;
        });

        private final HttpEntity entity;
        private final long length;

        StreamPublisher(HttpEntity entity, long length) {
            this.entity = entity;
            this.length = length;
        }

        @Override
        public long contentLength() {
            return length;
        }

        @Override
        public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
            subscriber.onSubscribe(new Subscription(subscriber));
        }

        /** Signals its subscriber from one reading task at a time, so never concurrently. */
        private final class Subscription implements Flow.Subscription {
            private final Flow.Subscriber<? super ByteBuffer> subscriber;
            private final AtomicLong demand = new AtomicLong();
            private final AtomicBoolean reading = new AtomicBoolean();
            private volatile boolean done;
            private InputStream in; // touched by the reading task only

            Subscription(Flow.Subscriber<? super ByteBuffer> subscriber) {
                this.subscriber = subscriber;
            }

            @Override
            public void request(long n) {
                if (done) {
                    return;
                }
                if (n <= 0) {
                    done = true;
                    READERS.execute(() -> subscriber.onError(
                            new IllegalArgumentException("request: " + n + " is not positive")));
                    return;
                }
                demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                if (reading.compareAndSet(false, true)) {
                    READERS.execute(this::read);
                }
            }

            @Override
            public void cancel() {
                done = true;
            }

            private void read() {
                do {
                    while (demand.get() > 0 && !done) {
                        ByteBuffer next;
                        try {
                            if (in == null) {
                                in = entity.getContent();
                            }
                            byte[] buf = new byte[BUFFER];
                            int n = in.read(buf);
                            if (n < 0) {
                                done = true;
                                subscriber.onComplete();
                                return;
                            }
                            next = ByteBuffer.wrap(buf, 0, n);
                        } catch (IOException | RuntimeException e) {
                            done = true;
                            subscriber.onError(e);
                            return;
                        }
                        if (next.hasRemaining() && !done) {
                            demand.decrementAndGet();
                            subscriber.onNext(next);
                        }
                    }
                    reading.set(false);
                    // go on if a request() came after the last check but found reading still set
                } while (!done && demand.get() > 0 && reading.compareAndSet(false, true));
            }
        }
    }

}
