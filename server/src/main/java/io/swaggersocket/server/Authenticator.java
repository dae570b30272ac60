package io.swaggersocket.server;

/**
 * Implementations must be thread-safe: the server calls one authenticator for many requests at
 * once, to decide from each agent's HTTP upgrade request, before the WebSocket handshake, whether
 * it may open a tunnel, and from each admin call and ingress call (unless the ingress is public)
 * whether it may proceed; {@link UpgradeRequest#path()} tells them apart. Each call runs on a
 * worker thread (never on an I/O thread), so an implementation may block briefly, for example to
 * look a token up. {@link BearerTokens} is a ready one.
 *
 * <p>Returning {@link AuthResult#reject rejected} answers the request with 401 (with
 * {@code WWW-Authenticate: Bearer}) or 403 and a JSON body {@code {"error":"<message>"}}; no
 * WebSocket is opened and no call goes on. An authenticator that throws (or returns {@code null})
 * gives the caller a 500 and is logged at WARNING; other connections are not affected.
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
