package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RenegotiationRequiredException;
import io.undertow.server.SSLSessionInfo;
import io.undertow.server.handlers.PathHandler;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The server's whole Undertow handler chain, in one place: the tunnel path, the ingress and the
 * admin API, all on the same port. Anything unmatched gets a 404 JSON body. Thread-safe: mounting
 * while requests run is allowed.
 */
final class HttpRoutes implements HttpHandler {
    private final PathHandler paths = new PathHandler(bodiless(exchange ->
            sendError(exchange, 404, "no route for " + exchange.getRequestPath())));

    /** Serves exactly {@code path} (not its sub-paths) with {@code handler}. */
    HttpRoutes exact(String path, HttpHandler handler) {
        paths.addExactPath(path, handler);
        return this;
    }

    /**
     * For routes that never read a request body: one that comes anyway is not read through after
     * the answer (the listener takes bodies of any size, for the ingress); the connection closes
     * instead.
     */
    static HttpHandler bodiless(HttpHandler handler) {
        return exchange -> {
            if (exchange.getRequestContentLength() > 0
                    || exchange.getRequestHeaders().contains(Headers.TRANSFER_ENCODING)) {
                exchange.setPersistent(false);
            }
            handler.handleRequest(exchange);
        };
    }

    /** Serves {@code prefix} and everything under it with {@code handler}. */
    HttpRoutes prefix(String prefix, HttpHandler handler) {
        paths.addPrefixPath(prefix, handler);
        return this;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        paths.handleRequest(exchange);
    }

    /**
     * Answers with {@code status} and the body {@code {"error":"<message>"}}; never blocks on an I/O
     * thread (on a worker thread of a blocking exchange it writes through the output stream).
     */
    static void sendError(HttpServerExchange exchange, int status, String message) {
        sendJson(exchange, status, error(message));
    }

    /** The body of every error answer: {@code {"error":"<message>"}}. */
    static JsonNode error(String message) {
        return JsonNodeFactory.instance.objectNode().put("error", message);
    }

    /** Answers with {@code status} and {@code body} as {@code application/json}. */
    static void sendJson(HttpServerExchange exchange, int status, JsonNode body) {
        exchange.getResponseSender().send(ByteBuffer.wrap(jsonHead(exchange, status, body)));
    }

    /**
     * Sets the status and the headers of a JSON answer ({@code Content-Length} included, so that a
     * blocking exchange sends it at once) and returns its body's bytes, for the caller to write.
     */
    static byte[] jsonHead(HttpServerExchange exchange, int status, JsonNode body) {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.setResponseContentLength(bytes.length);
        return bytes;
    }

    /**
     * The request path exactly as the client encoded it (not decoded), without the query; for a
     * request target in absolute form ({@code http://host/path}) only its path.
     */
    static String rawPath(HttpServerExchange exchange) {
        String uri = exchange.getRequestURI();
        if (exchange.isHostIncludedInRequestURI()) {
            int authority = uri.indexOf("://");
            int slash = uri.indexOf('/', authority < 0 ? 0 : authority + 3);
            uri = slash < 0 ? "/" : uri.substring(slash);
        }
        return uri;
    }

    /**
     * The request as an {@link Authenticator} sees it: path, headers, query, peer address, method,
     * raw target and the client's verified certificate chain.
     */
    static UpgradeRequest requestOf(HttpServerExchange exchange) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HeaderValues values : exchange.getRequestHeaders()) {
            headers.put(values.getHeaderName().toString(), new ArrayList<>(values));
        }
        Map<String, List<String>> queryParameters = new LinkedHashMap<>();
        exchange.getQueryParameters().forEach((name, values) -> queryParameters.put(name, new ArrayList<>(values)));
        InetSocketAddress remote = exchange.getSourceAddress();
        String query = exchange.getQueryString();
        String target = rawPath(exchange) + (query == null || query.isEmpty() ? "" : "?" + query);
        return new UpgradeRequest(exchange.getRequestPath(), headers, queryParameters, remote,
                exchange.getRequestMethod().toString(), target, clientCertificates(exchange));
    }

    /**
     * The chain the client presented, leaf first; empty on plain HTTP, when the listener does not
     * ask for certificates or the client sent none. JSSE fails the handshake of a chain its trust
     * managers reject, even when certificates are only requested, so whatever is here was verified.
     */
    private static List<X509Certificate> clientCertificates(HttpServerExchange exchange) {
        SSLSessionInfo tls = exchange.getConnection().getSslSessionInfo();
        if (tls == null) {
            return List.of();
        }
        Certificate[] chain;
        try {
            chain = tls.getPeerCertificates();
        } catch (SSLPeerUnverifiedException | RenegotiationRequiredException e) {
            return List.of(); // none sent, or none asked for (Undertow would renegotiate to ask: we do not)
        }
        List<X509Certificate> out = new ArrayList<>(chain.length);
        for (Certificate c : chain) {
            if (c instanceof X509Certificate x509) {
                out.add(x509);
            }
        }
        return out;
    }
}
