package io.swaggersocket.server;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

/**
 * Runs the server's {@link Authenticator} on one HTTP request (a tunnel upgrade, an ingress call or
 * an admin call) and answers the refused ones: 401 with {@code WWW-Authenticate: Bearer}, 403, or
 * 500 when the authenticator fails. Thread-safe. Called on worker threads, or on an I/O thread
 * when the authenticator is known not to block ({@link #mayBlock}).
 */
final class HttpGuard {
    private static final System.Logger LOG = System.getLogger(HttpGuard.class.getName());

    /** Where a request was going, as the metrics label it. */
    enum Endpoint {
        TUNNEL, INGRESS, ADMIN, EVENTS;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Authenticator authenticator;
    private final ServerMetrics metrics;

    HttpGuard(Authenticator authenticator, ServerMetrics metrics) {
        this.authenticator = authenticator;
        this.metrics = metrics;
    }

    /**
     * False when the authenticator is known not to block (an {@link AccessPolicy}, or the default
     * that accepts everything), so that a request may be judged on an I/O thread.
     */
    boolean mayBlock() {
        return !(authenticator instanceof AccessControl access && access.neverBlocks());
    }

    /**
     * Judges the request; returns the acceptance, or {@code null} once the exchange has been
     * answered with the refusal. Never logs header or query values (they may hold tokens).
     */
    AuthResult.Accepted admit(HttpServerExchange exchange, Endpoint endpoint) {
        UpgradeRequest request = HttpRoutes.requestOf(exchange);
        AuthResult result;
        try {
            result = authenticator.authenticate(request);
            if (result == null) {
                throw new IllegalStateException("expected an AuthResult but the authenticator returned null");
            }
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "authenticator failed on " + request + "; answered 500", e);
            metrics.authFailed(endpoint);
            UnreadBody.sendError(exchange, 500, "authentication failed on the server");
            return null;
        }
        if (result instanceof AuthResult.Rejected rejected) {
            // A refused agent is a state change its operator looks for (INFO); refused callers of the
            // ingress or admin API could flood the log (DEBUG). The message never holds the credential.
            LOG.log(endpoint == Endpoint.TUNNEL ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
                    "{0} request from {1} rejected with {2}: {3}", endpoint.label(),
                    request.remoteAddress(), rejected.status(), rejected.message());
            metrics.authFailed(endpoint);
            if (rejected.status() == 401) {
                // RFC 9110 requires a challenge with every 401.
                exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            }
            UnreadBody.sendError(exchange, rejected.status(), rejected.message());
            return null;
        }
        return (AuthResult.Accepted) result;
    }
}
