package io.swaggersocket.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.PathHandler;
import io.undertow.util.Headers;

/**
 * The server's whole Undertow handler chain, in one place: the tunnel path, and whatever later
 * mounts on the same port (an ingress, an admin API). Anything unmatched gets a 404 JSON body.
 * Thread-safe: mounting while requests run is allowed.
 */
final class HttpRoutes implements HttpHandler {
    private final PathHandler paths = new PathHandler(exchange ->
            sendError(exchange, 404, "no route for " + exchange.getRequestPath()));

    /** Serves exactly {@code path} (not its sub-paths) with {@code handler}. */
    HttpRoutes exact(String path, HttpHandler handler) {
        paths.addExactPath(path, handler);
        return this;
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

    /** Answers with {@code status} and the body {@code {"error":"<message>"}}; never blocks. */
    static void sendError(HttpServerExchange exchange, int status, String message) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseSender().send(JsonNodeFactory.instance.objectNode().put("error", message).toString());
    }
}
