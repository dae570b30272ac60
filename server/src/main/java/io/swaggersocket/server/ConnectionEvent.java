package io.swaggersocket.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.mux.SocketClosedException;
import io.swaggersocket.mux.SocketConnection;
import java.util.Objects;

/**
 * Immutable and thread-safe (the connection it carries is thread-safe itself): something that
 * happened to one connection of a {@link SocketServer}.
 *
 * @param type what happened
 * @param connectionId the id the server assigned in the handshake
 * @param metadata what the agent sent in its hello (a JSON null node when it sent none)
 * @param cause why the connection failed, for {@link Type#FAILURE}; {@code null} otherwise
 * @param connection the connection itself; after CLOSED or FAILURE it is closed
 */
public record ConnectionEvent(Type type, String connectionId, JsonNode metadata, SocketClosedException cause,
        SocketConnection connection) {

    /** Immutable: the kinds of event, in the order a connection goes through them. */
    public enum Type {
        /** The handshake completed; the connection is in the server's registry. */
        RECEIVED,
        /** Closed in an orderly way, by either side (close code 1000 or 1001). */
        CLOSED,
        /** Lost or broken: the socket dropped, the heartbeat found the peer dead, or a protocol error. */
        FAILURE
    }

    /**
     * @throws IllegalArgumentException when {@code cause} is missing for FAILURE or present for
     *         another type
     */
    public ConnectionEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(connection, "connection");
        if ((type == Type.FAILURE) != (cause != null)) {
            throw new IllegalArgumentException("cause: expected " + (type == Type.FAILURE ? "a cause" : "null")
                    + " for " + type + " but was " + cause);
        }
    }

    @Override
    public String toString() {
        return "ConnectionEvent[" + type + ", " + connectionId + (cause == null ? "" : ", " + cause.getMessage()) + "]";
    }
}
