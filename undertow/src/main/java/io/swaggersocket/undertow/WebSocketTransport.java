package io.swaggersocket.undertow;

import io.swaggersocket.mux.MessageChannel;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link MessageChannel} over one WebSocket whose socket can be watched: thread-safe, as every
 * message channel. Implemented by {@link RawWebSocketChannel} (our own framing over the upgraded
 * connection, the default) and {@link UndertowChannel} (Undertow's WebSocket implementation).
 *
 * <p>Which one the server and the client build is chosen by the system property
 * {@value #FRAMING_PROPERTY}: {@code raw} (default) or {@code undertow}. Both ends speak plain
 * RFC 6455, so either may face either; the switch exists to compare them in one benchmark run and
 * to go back if the new one loses.
 */
public interface WebSocketTransport extends MessageChannel {
    /** The system property that picks the WebSocket implementation: {@code raw} (default) or {@code undertow}. */
    String FRAMING_PROPERTY = "swaggersocket.websocket.framing";

    /** True unless {@value #FRAMING_PROPERTY} is {@code undertow}: the server and the client frame messages themselves. */
    static boolean rawFraming() {
        String value = System.getProperty(FRAMING_PROPERTY, "raw").trim();
        if (value.equalsIgnoreCase("undertow")) {
            return false;
        }
        if (!value.equalsIgnoreCase("raw")) {
            throw new IllegalArgumentException(FRAMING_PROPERTY + ": expected raw or undertow but was " + value);
        }
        return true;
    }

    /** Completes once the socket under this channel is closed, whoever closed it. */
    CompletableFuture<Void> socketClosed();
}
