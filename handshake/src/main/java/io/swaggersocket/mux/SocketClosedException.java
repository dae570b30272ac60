package io.swaggersocket.mux;

import io.swaggersocket.handshake.CloseCode;
import java.io.IOException;

/**
 * The connection is closed or was lost; every stream open on it fails with the same instance.
 * {@link #closeCode()} is the WebSocket close code that ended it (1006 when the transport was lost,
 * 4005 when the heartbeat found the peer dead).
 */
public final class SocketClosedException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int closeCode;

    public SocketClosedException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    public SocketClosedException(int closeCode, String message, Throwable cause) {
        super(message, cause);
        this.closeCode = closeCode;
    }

    /** The WebSocket close code. */
    public int closeCode() {
        return closeCode;
    }

    /** True when the connection ended by an orderly close on either side, not by a fault. */
    public boolean isGraceful() {
        return closeCode == CloseCode.NORMAL.code() || closeCode == CloseCode.GOING_AWAY.code();
    }
}
