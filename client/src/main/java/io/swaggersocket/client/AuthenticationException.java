package io.swaggersocket.client;

import java.io.IOException;

/**
 * Immutable and thread-safe: the server refused the WebSocket upgrade with 401 Unauthorized or 403
 * Forbidden. The message names the status and quotes the server's explanation (the start of the
 * response body); it never contains the credentials that were sent.
 */
public final class AuthenticationException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String serverMessage;

    public AuthenticationException(int status, String serverMessage, String message) {
        super(message);
        this.status = status;
        this.serverMessage = serverMessage == null ? "" : serverMessage;
    }

    /** The HTTP status the server answered with: 401 or 403. */
    public int status() {
        return status;
    }

    /** The server's explanation: the start of the response body, possibly empty. */
    public String serverMessage() {
        return serverMessage;
    }
}
