package io.swaggersocket.server;

import java.io.IOException;

/**
 * A chunked request body that breaks RFC 9112 section 7.1, found by {@link StrictChunkedSourceConduit}.
 * The message says what was expected and what came instead, naming framing bytes only, never
 * bytes of the body's data or of trailer values. The ingress answers it with 400 when it still can.
 */
final class MalformedChunkedBodyException extends IOException {
    private static final long serialVersionUID = 1L;

    MalformedChunkedBodyException(String message) {
        super(message);
    }
}
