package io.swaggersocket.frame;

import java.io.IOException;
import java.util.Objects;

/**
 * The peer broke the frame protocol; the connection cannot go on. Carries the wire error code
 * that is sent to the peer in GOAWAY before the WebSocket is closed with code 1002.
 */
public final class ProtocolViolationException extends IOException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode errorCode;

    public ProtocolViolationException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
    }

    /** The code sent to the peer. */
    public ErrorCode errorCode() {
        return errorCode;
    }
}
