package io.swaggersocket.mux;

import java.io.IOException;
import java.time.Duration;
import org.apache.hc.client5.http.config.Configurable;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.BasicHttpEntity;
import org.apache.hc.core5.http.io.entity.EmptyInputStream;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.MessageSupport;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * An httpclient5 classic client whose exchanges travel over one {@link SocketConnection}.
 * Thread-safe. Behaviour (no interceptors, timeouts, closing) is described on
 * {@link HttpTransports#apacheHttpClient(SocketConnection)}.
 *
 * <p>The request body is written on the calling thread. The returned response streams its body;
 * closing it before the end resets the stream, as closing an httpclient5 response aborts its
 * connection. As with httpclient5, a response that may have a body always has an entity, an empty
 * one when the body is empty (the connection itself gives such a response none).
 */
final class SocketClassicHttpClient extends CloseableHttpClient {
    private final SocketConnection connection;

    SocketClassicHttpClient(SocketConnection connection) {
        this.connection = connection;
    }

    @Override
    protected CloseableHttpResponse doExecute(HttpHost target, ClassicHttpRequest request, HttpContext context)
            throws IOException {
        ClassicHttpRequest outgoing = request;
        if (request.getAuthority() == null && target != null) {
            // A relative request: the target names the Host it is meant for, though it is not dialed.
            BasicClassicHttpRequest copy = new BasicClassicHttpRequest(request.getMethod(), target, request.getPath());
            copy.setHeaders(request.getHeaders());
            copy.setEntity(request.getEntity());
            outgoing = copy;
        }
        Duration timeout = responseTimeout(request, context);
        ClassicHttpResponse response = timeout == null ? connection.execute(outgoing) : connection.execute(outgoing, timeout);
        if (response.getEntity() == null && MessageSupport.canResponseHaveBody(request.getMethod(), response)) {
            // httpclient5 gives every response that may have a body an entity, an empty body
            // included, and callers (generated clients among them) pass it on without a null check.
            response.setEntity(new BasicHttpEntity(EmptyInputStream.INSTANCE, 0,
                    ContentType.parseLenient(value(response, HttpHeaders.CONTENT_TYPE)),
                    value(response, HttpHeaders.CONTENT_ENCODING)));
        }
        return CloseableHttpResponse.adapt(response);
    }

    private static String value(ClassicHttpResponse response, String name) {
        Header header = response.getFirstHeader(name);
        return header == null ? null : header.getValue();
    }

    /**
     * The response timeout as httpclient5 would pick its RequestConfig: the request's own, else the
     * context's; {@code null} when neither sets one (the connection's default then applies).
     */
    static Duration responseTimeout(ClassicHttpRequest request, HttpContext context) {
        RequestConfig config = request instanceof Configurable configurable ? configurable.getConfig() : null;
        if (config == null && context != null) {
            Object attribute = context instanceof HttpClientContext clientContext
                    ? clientContext.getRequestConfig() : context.getAttribute(HttpClientContext.REQUEST_CONFIG);
            config = attribute instanceof RequestConfig requestConfig ? requestConfig : null;
        }
        Timeout timeout = config == null ? null : config.getResponseTimeout();
        if (timeout == null) {
            return null;
        }
        return timeout.isDisabled() ? Duration.ZERO : Duration.of(timeout.getDuration(), timeout.getTimeUnit().toChronoUnit());
    }

    /** Does nothing: the connection belongs to its owner, and this client stays usable. */
    @Override
    public void close(CloseMode closeMode) {
    }

    /** Does nothing: the connection belongs to its owner, and this client stays usable. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "SocketClassicHttpClient[" + connection + "]";
    }
}
