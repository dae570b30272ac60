package io.swaggersocket.undertow;

import java.io.IOException;

/** The peer broke RFC 6455 or a size limit; {@link #closeCode()} is the close code to answer with. */
final class WebSocketProtocolException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int closeCode;

    WebSocketProtocolException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }

    int closeCode() {
        return closeCode;
    }
}
