package io.swaggersocket.handshake;

import java.io.IOException;
import java.util.Objects;

/**
 * The three-way handshake failed. The message says what was expected and what came; the close
 * code is the one the WebSocket was (or will be) closed with.
 */
public final class HandshakeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final CloseCode closeCode;

    public HandshakeException(CloseCode closeCode, String message) {
        super(message);
        this.closeCode = Objects.requireNonNull(closeCode, "closeCode");
    }

    public HandshakeException(CloseCode closeCode, String message, Throwable cause) {
        super(message, cause);
        this.closeCode = Objects.requireNonNull(closeCode, "closeCode");
    }

    /** The WebSocket close code that goes with this failure. */
    public CloseCode closeCode() {
        return closeCode;
    }
}
