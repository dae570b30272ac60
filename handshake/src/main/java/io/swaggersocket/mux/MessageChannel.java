package io.swaggersocket.mux;

import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * A message-oriented, ordered, bidirectional transport: in production one WebSocket, in tests an
 * in-memory pipe. Implementations must be safe to call from any thread and must deliver listener
 * callbacks one at a time, in arrival order, and never block the caller of a send.
 */
public interface MessageChannel {

    /** Starts delivering messages to {@code listener}; called exactly once, before any send. */
    void start(Listener listener);

    /** Sends a text message; only the handshake uses text. */
    void sendText(String text, Callback callback);

    /**
     * Sends a binary message. The channel takes ownership of {@code message}: the caller never
     * touches it again (a WebSocket client masks it in place).
     */
    void sendBinary(ByteBuffer message, Callback callback);

    /** Sends a ping control message of at most 125 bytes; the peer answers with a pong. */
    void sendPing(ByteBuffer payload, Callback callback);

    /** Starts an orderly close with a close code and a reason of at most 123 UTF-8 bytes. */
    void close(int code, String reason);

    /** Drops the transport at once, without a close handshake: for a peer that stopped answering. */
    void abort();

    /** The peer's address, or {@code null} where the transport has none. */
    SocketAddress remoteAddress();

    /** Receives what the peer sends. Called by one thread at a time; must not block. */
    interface Listener {
        void onText(String text);

        /** A whole binary message, owned by the listener from now on. */
        void onBinary(ByteBuffer message);

        /** A ping arrived; the channel has answered it with a pong already. */
        void onPing(ByteBuffer payload);

        void onPong(ByteBuffer payload);

        /** The channel is closed: by a close frame ({@code code} as sent) or by loss (1006). Called once, last. */
        void onClose(int code, String reason);
    }

    /** Told once when a send has been handed to the network, or has failed. */
    @FunctionalInterface
    interface Callback {
        /** @param failure {@code null} on success */
        void completed(Throwable failure);

        Callback IGNORE = failure -> { };
    }
}
