package io.swaggersocket.mux;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.PushPromiseHandler;
import java.net.http.HttpTimeoutException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.net.URIAuthority;

/**
 * A {@code java.net.http.HttpClient} whose exchanges travel over one {@link SocketConnection}.
 * Thread-safe: share it freely. What it keeps from its builder and what it ignores is listed on
 * {@link HttpTransports#httpClientBuilder(SocketConnection)}.
 *
 * <p>Threads. {@link #send} writes the request body on the calling thread, and also feeds the
 * response body to the {@link BodySubscriber} there for as long as the caller would otherwise be
 * parked waiting for the subscriber's body (all of it for {@code ofString}, none of it for
 * {@code ofInputStream}); the rest is fed on the executor. {@link #sendAsync} writes the body and
 * feeds the subscriber on the executor. The executor is the builder's if one was set, else the
 * connection's. Subscribers are never called on an I/O thread.
 */
final class SocketHttpClient extends HttpClient {
    private static final BooleanSupplier NEVER = () -> false;

    private final SocketConnection connection;
    private final Optional<CookieHandler> cookieHandler;
    private final Optional<Duration> connectTimeout;
    private final SSLContext sslContext;
    private final SSLParameters sslParameters;
    private final Optional<Executor> builderExecutor;
    private final Executor executor;

    SocketHttpClient(SocketHttpClientBuilder b) {
        this.connection = b.connection;
        this.cookieHandler = Optional.ofNullable(b.cookieHandler);
        this.connectTimeout = Optional.ofNullable(b.connectTimeout);
        this.sslContext = b.sslContext;
        this.sslParameters = b.sslParameters;
        this.builderExecutor = Optional.ofNullable(b.executor);
        this.executor = b.executor != null ? b.executor : b.connection.executor();
    }

    // ---------------------------------------------------------------------------------------------
    // Settings

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return cookieHandler;
    }

    /** The builder's value, reported only: nothing is dialed. */
    @Override
    public Optional<Duration> connectTimeout() {
        return connectTimeout;
    }

    /** Always {@code NEVER}: a 3xx is returned as a response. */
    @Override
    public Redirect followRedirects() {
        return Redirect.NEVER;
    }

    /** Always empty: nothing is dialed. */
    @Override
    public Optional<ProxySelector> proxy() {
        return Optional.empty();
    }

    /** The builder's context, else {@link SSLContext#getDefault()}; reported only. */
    @Override
    public SSLContext sslContext() {
        if (sslContext != null) {
            return sslContext;
        }
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default SSLContext: " + e.getMessage(), e);
        }
    }

    /** A copy of the builder's parameters, else the default context's; reported only. */
    @Override
    public SSLParameters sslParameters() {
        return copy(sslParameters != null ? sslParameters : sslContext().getDefaultSSLParameters());
    }

    /** Always empty: authentication challenges are returned as responses. */
    @Override
    public Optional<Authenticator> authenticator() {
        return Optional.empty();
    }

    /** Always {@code HTTP_1_1}: the message format inside a stream. */
    @Override
    public Version version() {
        return Version.HTTP_1_1;
    }

    /** The builder's executor, or empty when the connection's executor is used. */
    @Override
    public Optional<Executor> executor() {
        return builderExecutor;
    }

    @Override
    public String toString() {
        return "SocketHttpClient[" + connection + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // Exchanges

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, BodyHandler<T> handler)
            throws IOException, InterruptedException {
        Objects.requireNonNull(handler, "handler");
        ClassicHttpRequest outgoing = toClassic(request);
        ClassicHttpResponse response;
        try {
            Optional<Duration> timeout = request.timeout();
            response = timeout.isPresent() ? connection.execute(outgoing, timeout.get()) : connection.execute(outgoing);
        } catch (IOException e) {
            if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException) && Thread.interrupted()) {
                InterruptedException interrupted = new InterruptedException(e.getMessage());
                interrupted.initCause(e);
                throw interrupted;
            }
            throw (IOException) translate(e);
        }
        CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
        deliver(request, response, handler, result, true);
        try {
            return result.get();
        } catch (InterruptedException e) {
            result.cancel(false); // releases the stream
            throw e;
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler) {
        Objects.requireNonNull(handler, "handler");
        ClassicHttpRequest outgoing;
        try {
            outgoing = toClassic(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        Optional<Duration> timeout = request.timeout();
        CompletableFuture<ClassicHttpResponse> exchange = timeout.isPresent()
                ? connection.executeAsync(outgoing, timeout.get()) : connection.executeAsync(outgoing);
        CompletableFuture<HttpResponse<T>> result = new CompletableFuture<>();
        Thread caller = Thread.currentThread();
        exchange.whenComplete((response, failure) -> {
            if (failure != null) {
                result.completeExceptionally(translate(failure));
            } else if (Thread.currentThread() == caller || executor != connection.executor()) {
                // Already complete when registered (so on the caller, who must not block reading
                // the body), or a builder executor to move to.
                try {
                    executor.execute(() -> deliver(request, response, handler, result, false));
                } catch (RejectedExecutionException e) {
                    SocketConnection.closeQuietly(response);
                    result.completeExceptionally(new IOException("no thread to deliver the response body", e));
                }
            } else {
                deliver(request, response, handler, result, false); // on the connection's executor
            }
        });
        result.whenComplete((response, failure) -> {
            if (failure instanceof CancellationException) {
                exchange.cancel(false); // resets the stream if the head has not come yet
            }
        });
        return result;
    }

    /** Push promises are not supported: {@code pushPromiseHandler} is ignored. */
    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, BodyHandler<T> handler,
            PushPromiseHandler<T> pushPromiseHandler) {
        return sendAsync(request, handler);
    }

    /**
     * Hands the response to {@code handler}'s subscriber and completes {@code result} when the
     * subscriber's body is ready. On the calling thread when {@code onCaller} (which is parked on
     * {@code result} anyway), feeding only until the body is ready.
     */
    private <T> void deliver(HttpRequest request, ClassicHttpResponse response, BodyHandler<T> handler,
            CompletableFuture<HttpResponse<T>> result, boolean onCaller) {
        if (result.isDone()) {
            SocketConnection.closeQuietly(response); // cancelled as the head came
            return;
        }
        HttpHeaders headers = headers(response);
        BodySubscriber<T> subscriber;
        CompletionStage<T> body;
        try {
            storeCookies(request.uri(), headers);
            subscriber = Objects.requireNonNull(handler.apply(new Info(response.getCode(), headers)),
                    "the body handler returned a null subscriber");
            body = Objects.requireNonNull(subscriber.getBody(), "the body subscriber returned a null body");
        } catch (IOException | RuntimeException | Error e) {
            SocketConnection.closeQuietly(response);
            result.completeExceptionally(e);
            return;
        }
        ResponseBodyPump pump = new ResponseBodyPump(response, subscriber, executor, result::completeExceptionally);
        body.whenComplete((value, failure) -> {
            if (failure != null) {
                pump.cancel(); // the subscriber gave up: no reason to keep the stream
                result.completeExceptionally(failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
            } else {
                result.complete(new SocketHttpResponse<>(response.getCode(), request, headers, value));
            }
        });
        result.whenComplete((value, failure) -> {
            if (failure instanceof CancellationException) {
                pump.cancel();
            }
        });
        pump.start(onCaller ? result::isDone : NEVER);
    }

    /** The request as httpcore5 sees it: path and raw query on the wire, the authority as Host. */
    private ClassicHttpRequest toClassic(HttpRequest request) throws IOException {
        Objects.requireNonNull(request, "request");
        URI uri = request.uri();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        BasicClassicHttpRequest outgoing = new BasicClassicHttpRequest(request.method(), path);
        outgoing.setScheme(uri.getScheme());
        if (uri.getHost() != null) {
            outgoing.setAuthority(new URIAuthority(uri.getHost(), uri.getPort()));
        }
        request.headers().map().forEach((name, values) -> values.forEach(value -> outgoing.addHeader(name, value)));
        addCookies(uri, request.headers(), outgoing);
        request.bodyPublisher().ifPresent(publisher ->
                outgoing.setEntity(new PublisherEntity(publisher, request.timeout().orElse(null))));
        return outgoing;
    }

    /** What the JDK client's cookie filter does: the handler's Cookie and Cookie2 values, joined, as headers. */
    private void addCookies(URI uri, HttpHeaders requestHeaders, ClassicHttpRequest outgoing) throws IOException {
        if (cookieHandler.isEmpty()) {
            return;
        }
        Map<String, List<String>> cookies = cookieHandler.get().get(uri, requestHeaders.map());
        for (Map.Entry<String, List<String>> entry : cookies.entrySet()) {
            String name = entry.getKey();
            List<String> values = entry.getValue();
            if (values != null && !values.isEmpty()
                    && ("Cookie".equalsIgnoreCase(name) || "Cookie2".equalsIgnoreCase(name))) {
                outgoing.setHeader(name, String.join("; ", values)); // one Cookie header (RFC 6265 5.4)
            }
        }
    }

    private void storeCookies(URI uri, HttpHeaders headers) throws IOException {
        if (cookieHandler.isPresent()) {
            cookieHandler.get().put(uri, headers.map());
        }
    }

    private static HttpHeaders headers(ClassicHttpResponse response) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Header h : response.getHeaders()) {
            map.computeIfAbsent(h.getName(), k -> new ArrayList<>(1)).add(h.getValue());
        }
        return HttpHeaders.of(map, (name, value) -> true);
    }

    /**
     * The JDK's exception for a failure: {@link HttpTimeoutException} for a timeout, whether the
     * connection's own or a body publisher's (which the connection wraps, as the body failing, in a
     * plain IOException).
     */
    private static Throwable translate(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof SocketTimeoutException timeout) {
            return timeout(timeout);
        }
        if (cause.getClass() == IOException.class && cause.getCause() instanceof SocketTimeoutException timeout) {
            return timeout(timeout);
        }
        return cause;
    }

    private static HttpTimeoutException timeout(SocketTimeoutException e) {
        HttpTimeoutException timeout = new HttpTimeoutException(e.getMessage());
        timeout.initCause(e);
        return timeout;
    }

    private static IOException rethrow(Throwable cause) {
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException re) {
            throw re;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IOException(cause);
    }

    static SSLParameters copy(SSLParameters p) {
        SSLParameters c = new SSLParameters(p.getCipherSuites(), p.getProtocols());
        c.setAlgorithmConstraints(p.getAlgorithmConstraints());
        c.setApplicationProtocols(p.getApplicationProtocols());
        c.setEnableRetransmissions(p.getEnableRetransmissions());
        c.setEndpointIdentificationAlgorithm(p.getEndpointIdentificationAlgorithm());
        c.setMaximumPacketSize(p.getMaximumPacketSize());
        if (p.getNeedClientAuth()) {
            c.setNeedClientAuth(true);
        } else if (p.getWantClientAuth()) {
            c.setWantClientAuth(true);
        }
        if (p.getServerNames() != null) {
            c.setServerNames(p.getServerNames());
        }
        if (p.getSNIMatchers() != null) {
            c.setSNIMatchers(p.getSNIMatchers());
        }
        c.setUseCipherSuitesOrder(p.getUseCipherSuitesOrder());
        return c;
    }

    private record Info(int statusCode, HttpHeaders headers) implements HttpResponse.ResponseInfo {
        @Override
        public Version version() {
            return Version.HTTP_1_1;
        }
    }

    /** A response: no previous response (redirects are not followed), no TLS session of its own. */
    private record SocketHttpResponse<T>(int statusCode, HttpRequest request, HttpHeaders headers, T body)
            implements HttpResponse<T> {
        @Override
        public Optional<HttpResponse<T>> previousResponse() {
            return Optional.empty();
        }

        @Override
        public Optional<SSLSession> sslSession() {
            return Optional.empty();
        }

        @Override
        public URI uri() {
            return request.uri();
        }

        @Override
        public Version version() {
            return Version.HTTP_1_1;
        }

        @Override
        public String toString() {
            return "(" + request.method() + " " + request.uri() + ") " + statusCode;
        }
    }
}
