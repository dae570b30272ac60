package io.swaggersocket.client;

import io.swaggersocket.mux.StreamContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Immutable and thread-safe: an {@link HttpRequestHandler} that forwards every request it receives
 * to a local HTTP service, so that an agent exposes that service through its tunnel:
 *
 * <pre>{@code
 * client.serve(ForwardingHandler.to(URI.create("http://127.0.0.1:8080")));
 * }</pre>
 *
 * <p>A request for {@code /pets?limit=5} goes to {@code upstream} + {@code /pets?limit=5}, path and
 * query as received (not re-encoded); an upstream with a base path such as
 * {@code http://127.0.0.1:8080/api} prefixes it ({@code /api/pets?limit=5}). Method and headers are
 * passed on, but for the hop-by-hop ones ({@code Connection} and the headers it names,
 * {@code Keep-Alive}, {@code Proxy-Connection}, {@code Proxy-Authenticate},
 * {@code Proxy-Authorization}, {@code TE}, {@code Trailer}, {@code Transfer-Encoding},
 * {@code Upgrade}) and those the JDK client sets itself ({@code Host}, {@code Content-Length},
 * {@code Expect}). The upstream's status, headers (the same ones dropped) and body come back.
 *
 * <p>Bodies stream both ways and are never buffered whole: each buffer of the request body is
 * sent upstream as soon as it is read (with the body's {@code Content-Length} when it has one,
 * chunked otherwise), and the response body is handed on as a streaming entity with the
 * upstream's length and content type. When the caller cancels or times out (the stream's {@link StreamContext#cancellation()}),
 * or the handler's thread is interrupted, the upstream exchange is cancelled too; a response body
 * whose stream is reset closes the upstream response.
 *
 * <p>The path never leaves the base path, whatever comes through the tunnel: a path with a dot
 * segment ({@code .} or {@code ..}, also as {@code %2e}, with a {@code ;parameter}, or between
 * encoded slashes or backslashes) is refused with 400, since an upstream that resolves it would
 * serve from above the base ({@code /api/../secret}). Other segments go as they are, encoded
 * slashes and empty segments ({@code //}) included: they do not climb.
 *
 * <p>Failures before the upstream's response head answer with a small JSON body
 * {@code {"error":"..."}}: 502 when the upstream cannot be reached or fails; 504 when it cannot be
 * connected to within the {@link Builder#connectTimeout connect timeout}
 * ({@code "upstream URI timed out: no connection within the connect or request timeout"}: the JDK
 * reports a {@link Builder#requestTimeout request timeout} that ends while connecting the same way)
 * or does not answer within the request timeout
 * ({@code "upstream URI timed out: no response head within the request timeout"}); 400 for a
 * request the JDK client cannot send (a target that is no valid URI, a header or method it
 * refuses) or that would leave the base path.
 *
 * <p>The default client speaks HTTP/1.1 (no {@code h2c} upgrade attempt), never follows redirects
 * (they reach the caller as they are) and keeps no cookies.
 */
public final class ForwardingHandler implements HttpRequestHandler {
    private static final System.Logger LOG = System.getLogger(ForwardingHandler.class.getName());

    /** Lower case. RFC 9110 section 7.6.1, plus what the JDK client sets or refuses itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect");

    private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final String CONNECT_TIMED_OUT = "no connection within the connect or request timeout";
    static final String RESPONSE_TIMED_OUT = "no response head within the request timeout";

    private final URI upstream;
    /** {@code scheme://authority/base}, no trailing slash. */
    private final String prefix;
    private final HttpClient client;
    private final Duration requestTimeout;

    private ForwardingHandler(Builder b) {
        this.upstream = b.upstream;
        String base = b.upstream.getRawPath() == null ? "" : b.upstream.getRawPath();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        this.prefix = b.upstream.getScheme().toLowerCase(Locale.ROOT) + "://" + b.upstream.getRawAuthority() + base;
        this.client = b.client != null ? b.client : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(b.connectTimeout != null ? b.connectTimeout : DEFAULT_CONNECT_TIMEOUT)
                .build();
        this.requestTimeout = b.requestTimeout;
    }

    /** A handler forwarding to {@code upstream} with every default. */
    public static ForwardingHandler to(URI upstream) {
        return builder(upstream).build();
    }

    /**
     * A builder forwarding to {@code upstream}: an absolute {@code http} or {@code https} URI, with
     * an optional base path, no query, fragment or user info.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code upstream}
     */
    public static Builder builder(URI upstream) {
        return new Builder(upstream);
    }

    /** Where requests go. */
    public URI upstream() {
        return upstream;
    }

    @Override
    public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws IOException {
        HttpRequest outgoing;
        try {
            outgoing = upstreamRequest(request);
        } catch (IllegalArgumentException e) {
            fail(response, HttpStatus.SC_BAD_REQUEST, "cannot forward " + request.getMethod() + " " + request.getPath()
                    + ": " + e.getMessage());
            return;
        }
        CompletableFuture<HttpResponse<InputStream>> call = client.sendAsync(outgoing, BodyHandlers.ofInputStream());
        StreamContext stream = streamContext(context);
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
                fail(response, HttpStatus.SC_GATEWAY_TIMEOUT, "upstream " + upstream + " timed out: " + timeout);
            } else {
                fail(response, HttpStatus.SC_BAD_GATEWAY, "upstream " + upstream + " failed: " + describe(cause));
            }
            return;
        }
        copyResponse(answer, response);
    }

    @Override
    public String toString() {
        return "ForwardingHandler[" + upstream + "]";
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * What timed out, when {@code failure} is (or is caused by) a timeout of the client, else null.
     * The JDK reports a request timeout that ends while still connecting as a connect timeout.
     */
    static String timeout(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return CONNECT_TIMED_OUT;
            }
            if (t instanceof HttpTimeoutException) {
                return RESPONSE_TIMED_OUT;
            }
        }
        return null;
    }

    private HttpRequest upstreamRequest(ClassicHttpRequest request) {
        String path = request.getPath();
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("expected a path starting with '/' but was '" + path + "'");
        }
        int query = path.indexOf('?');
        if (io.swaggersocket.mux.DotSegments.in(query < 0 ? path : path.substring(0, query))) {
            throw new IllegalArgumentException("expected a path without dot segments ('.', '..', '%2e' and the like) "
                    + "but was '" + path + "'");
        }
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
        Set<String> dropped = droppedHeaders(connection);
        boolean hasContentType = false;
        for (Header h : request.getHeaders()) {
            String name = h.getName().toLowerCase(Locale.ROOT);
            if (!dropped.contains(name)) {
                try {
                    b.header(h.getName(), h.getValue());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("header " + h.getName() + " is refused by the HTTP client: "
                            + e.getMessage(), e);
                }
                hasContentType |= name.equals("content-type");
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
        Set<String> dropped = droppedHeaders(answer.headers().allValues(HttpHeaders.CONNECTION));
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            String name = e.getKey();
            if (name.startsWith(":") || dropped.contains(name.toLowerCase(Locale.ROOT))) {
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
        response.setEntity(new InputStreamEntity(body, length, type));
    }

    /** The hop-by-hop names, plus those listed in the {@code Connection} values given. */
    private static Set<String> droppedHeaders(List<String> connectionValues) {
        Set<String> dropped = null;
        for (String value : connectionValues) {
            for (String token : value.split(",")) {
                String name = token.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !NOT_FORWARDED.contains(name)) {
                    if (dropped == null) {
                        dropped = new HashSet<>(NOT_FORWARDED);
                    }
                    dropped.add(name);
                }
            }
        }
        return dropped == null ? NOT_FORWARDED : dropped;
    }

    private static StreamContext streamContext(HttpContext context) {
        return context != null && context.getAttribute(StreamContext.ATTRIBUTE) instanceof StreamContext s ? s : null;
    }

    private static void fail(ClassicHttpResponse response, int status, String error) {
        response.setCode(status);
        response.setReasonPhrase(null);
        response.setHeaders();
        response.setEntity(new StringEntity("{\"error\":" + jsonString(error) + "}", ContentType.APPLICATION_JSON));
    }

    /** Method and URI without the query, which may carry credentials. */
    private static String where(HttpRequest outgoing) {
        URI uri = outgoing.uri();
        return outgoing.method() + " " + uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
    }

    private static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null || message.isEmpty() ? "" : ": " + message);
    }

    private static String jsonString(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
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

    /** Builds a {@link ForwardingHandler}; not thread-safe. */
    public static final class Builder {
        private final URI upstream;
        private HttpClient client;
        private Duration connectTimeout;
        private Duration requestTimeout = Duration.ZERO;

        private Builder(URI upstream) {
            Objects.requireNonNull(upstream, "upstream");
            String scheme = upstream.getScheme() == null ? null : upstream.getScheme().toLowerCase(Locale.ROOT);
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("upstream: expected an http or https URI but was " + upstream);
            }
            if (upstream.getHost() == null) {
                throw new IllegalArgumentException("upstream: expected a host but " + upstream + " has none");
            }
            if (upstream.getRawUserInfo() != null) {
                throw new IllegalArgumentException("upstream: user info is not supported; "
                        + "send credentials in headers (the URI is not shown here)");
            }
            if (upstream.getRawQuery() != null || upstream.getRawFragment() != null) {
                throw new IllegalArgumentException("upstream: expected no query or fragment but was " + upstream);
            }
            this.upstream = upstream;
        }

        /**
         * The client that calls the upstream (thread-safe, shared by every request). Default: a
         * client of its own, HTTP/1.1, no redirects, with the {@link #connectTimeout}. Its version,
         * redirect, cookie and authenticator settings apply as they are.
         */
        public Builder httpClient(HttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * How long the default client waits to connect (then 504); positive. Default 10 s. Not
         * allowed with {@link #httpClient}, whose own setting applies.
         */
        public Builder connectTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout: " + timeout + " is not positive");
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * How long to wait for the upstream's response head (then 504); {@link Duration#ZERO} for
         * no limit. Default none: the tunnel's caller sets its own deadline, and its cancellation
         * reaches the upstream.
         */
        public Builder requestTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("requestTimeout: " + timeout + " is negative");
            }
            this.requestTimeout = timeout;
            return this;
        }

        /**
         * @throws IllegalStateException when both {@link #httpClient} and {@link #connectTimeout}
         *         were set
         */
        public ForwardingHandler build() {
            if (client != null && connectTimeout != null) {
                throw new IllegalStateException("connectTimeout: set it on the HttpClient given to httpClient()");
            }
            return new ForwardingHandler(this);
        }
    }
}
