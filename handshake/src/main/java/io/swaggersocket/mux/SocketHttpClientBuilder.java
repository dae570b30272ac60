package io.swaggersocket.mux;

import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * Builds {@link SocketHttpClient}s over one connection; not thread-safe, like the JDK's builder.
 * Which settings are kept and which are ignored is listed on
 * {@link HttpTransports#httpClientBuilder(SocketConnection)}. Arguments are validated as the JDK
 * validates them, so code that runs against the JDK builder runs against this one.
 */
final class SocketHttpClientBuilder implements HttpClient.Builder {
    final SocketConnection connection;
    CookieHandler cookieHandler;
    Duration connectTimeout;
    SSLContext sslContext;
    SSLParameters sslParameters;
    Executor executor;

    SocketHttpClientBuilder(SocketConnection connection) {
        this.connection = connection;
    }

    @Override
    public HttpClient.Builder cookieHandler(CookieHandler cookieHandler) {
        this.cookieHandler = Objects.requireNonNull(cookieHandler, "cookieHandler");
        return this;
    }

    /** Kept and reported by {@link HttpClient#connectTimeout()}; has no effect, nothing is dialed. */
    @Override
    public HttpClient.Builder connectTimeout(Duration duration) {
        Objects.requireNonNull(duration, "connectTimeout");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("connectTimeout: " + duration + " is not positive");
        }
        this.connectTimeout = duration;
        return this;
    }

    /** Kept and reported; TLS, if any, is the underlying socket's. */
    @Override
    public HttpClient.Builder sslContext(SSLContext sslContext) {
        this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
        return this;
    }

    /** Kept (a copy) and reported; TLS, if any, is the underlying socket's. */
    @Override
    public HttpClient.Builder sslParameters(SSLParameters sslParameters) {
        this.sslParameters = SocketHttpClient.copy(Objects.requireNonNull(sslParameters, "sslParameters"));
        return this;
    }

    /** Runs response body delivery and completes {@code sendAsync} futures in place of the connection's executor. */
    @Override
    public HttpClient.Builder executor(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        return this;
    }

    /** Ignored: redirects are returned as responses, and the client reports {@code NEVER}. */
    @Override
    public HttpClient.Builder followRedirects(HttpClient.Redirect policy) {
        Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** Ignored: the exchange is HTTP/1.1 inside a stream, and the client reports {@code HTTP_1_1}. */
    @Override
    public HttpClient.Builder version(HttpClient.Version version) {
        Objects.requireNonNull(version, "version");
        return this;
    }

    /** Ignored: streams of one connection are not prioritised. */
    @Override
    public HttpClient.Builder priority(int priority) {
        if (priority < 1 || priority > 256) {
            throw new IllegalArgumentException("priority: " + priority + " is out of range [1, 256]");
        }
        return this;
    }

    /** Ignored: nothing is dialed, so there is nothing to proxy. */
    @Override
    public HttpClient.Builder proxy(ProxySelector proxySelector) {
        Objects.requireNonNull(proxySelector, "proxySelector");
        return this;
    }

    /** Ignored: a 401 is returned as a response; set credentials as request headers. */
    @Override
    public HttpClient.Builder authenticator(Authenticator authenticator) {
        Objects.requireNonNull(authenticator, "authenticator");
        return this;
    }

    @Override
    public HttpClient build() {
        return new SocketHttpClient(this);
    }
}
