package io.swaggersocket.client;

/** Immutable and thread-safe: the states a {@link SocketClient} reports to its {@link ClientStateListener}s. */
public enum ClientState {
    /** An attempt to open a connection has started. */
    CONNECTING,
    /** The handshake is done; the event carries the connection id the server assigned. */
    CONNECTED,
    /**
     * Not connected: an attempt failed or the connection was lost. The event carries the cause and,
     * when another attempt is scheduled, the delay before it.
     */
    DISCONNECTED,
    /** The client is closed, by {@link SocketClient#close()} or because it gave up; nothing follows. */
    CLOSED
}
