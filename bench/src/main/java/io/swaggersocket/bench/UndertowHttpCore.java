package io.swaggersocket.bench;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.HttpString;
import java.io.OutputStream;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.http.protocol.HttpCoreContext;

/**
 * Serves an httpcore5 {@link HttpRequestHandler} directly on Undertow: the baseline. Like any
 * blocking handler on Undertow (and like the tunnel, which never runs user code on an I/O thread)
 * it is dispatched from the I/O thread to Undertow's worker pool. Thread-safe.
 */
final class UndertowHttpCore implements HttpHandler {
    private final HttpRequestHandler handler;

    UndertowHttpCore(HttpRequestHandler handler) {
        this.handler = handler;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this);
            return;
        }
        exchange.startBlocking();
        String uri = exchange.getRequestURI();
        if (!exchange.getQueryString().isEmpty()) {
            uri = uri + "?" + exchange.getQueryString();
        }
        BasicClassicHttpRequest request = new BasicClassicHttpRequest(exchange.getRequestMethod().toString(), uri);
        for (HeaderValues values : exchange.getRequestHeaders()) {
            for (String v : values) {
                request.addHeader(values.getHeaderName().toString(), v);
            }
        }
        long length = exchange.getRequestContentLength();
        boolean chunked = exchange.getRequestHeaders().contains("Transfer-Encoding");
        if (length > 0 || chunked) {
            request.setEntity(new InputStreamEntity(exchange.getInputStream(), length, null));
        }
        ClassicHttpResponse response = new BasicClassicHttpResponse(200);
        handler.handle(request, response, HttpCoreContext.create());
        exchange.setStatusCode(response.getCode());
        for (Header h : response.getHeaders()) {
            exchange.getResponseHeaders().add(HttpString.tryFromString(h.getName()), h.getValue());
        }
        HttpEntity entity = response.getEntity();
        if (entity != null) {
            if (entity.getContentType() != null) {
                exchange.getResponseHeaders().put(HttpString.tryFromString("Content-Type"), entity.getContentType());
            }
            if (entity.getContentLength() >= 0) {
                exchange.setResponseContentLength(entity.getContentLength());
            }
            OutputStream out = exchange.getOutputStream();
            entity.writeTo(out);
            out.close();
        } else {
            exchange.setResponseContentLength(0);
        }
        exchange.endExchange();
    }
}
