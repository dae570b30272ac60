package io.swaggersocket.server;

/**
 * Implementations must be thread-safe: the server calls one authenticator for many upgrade requests
 * at once, to decide from each agent's HTTP upgrade request, before the WebSocket handshake, whether
 * it may open a tunnel. Each call runs on one of the server's worker threads (never on an I/O
 * thread), so an implementation may block briefly, for example to look a token up.
 *
 * <p>Returning {@link AuthResult#reject rejected} answers the upgrade request with 401 or 403 and
 * a JSON body {@code {"error":"<message>"}}; the WebSocket is never opened. An authenticator that
 * throws (or returns {@code null}) gives the agent a 500 and is logged at WARNING; other
 * connections are not affected.
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * Inspects {@code request} and accepts it, optionally naming who authenticated, or rejects it.
     *
     * @throws Exception any failure of the authenticator itself; the agent gets a 500
     */
    AuthResult authenticate(UpgradeRequest request) throws Exception;

    /** The default: accepts every upgrade request, with no principal. */
    static Authenticator acceptAll() {
        return request -> AuthResult.accept();
    }
}
