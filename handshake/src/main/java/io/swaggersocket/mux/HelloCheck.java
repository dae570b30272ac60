package io.swaggersocket.mux;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Implementations must be thread-safe and must not block: the accepting side's judgement of a
 * hello's metadata, made on the channel's I/O thread before the welcome is sent (see
 * {@link SocketConnection#accept(MessageChannel, String, java.security.Principal, ConnectionConfig,
 * org.apache.hc.core5.http.io.HttpRequestHandler, HelloCheck)}).
 */
@FunctionalInterface
public interface HelloCheck {
    /** Accepts every hello. */
    HelloCheck ACCEPT_ALL = metadata -> null;

    /**
     * Returns {@code null} to go on with the handshake, or why the hello is refused: sent to the
     * dialer as the close reason (keep it short, at most 123 UTF-8 bytes are sent, and free of
     * secrets).
     *
     * @param metadata the hello's metadata (a JSON null node when the dialer sent none)
     */
    String refusal(JsonNode metadata);
}
