package io.swaggersocket.server;

/**
 * Implementations need not be thread-safe towards one server, which calls all its listeners from
 * one event thread of its own, one event at a time (never from an I/O thread), to tell them that a
 * connection was received, closed or failed.
 *
 * <p>For each connection the events come in order: {@link ConnectionEvent.Type#RECEIVED} first,
 * then exactly one of {@link ConnectionEvent.Type#CLOSED} or {@link ConnectionEvent.Type#FAILURE}.
 * A listener that blocks delays every later event of the server, so hand slow work elsewhere. One
 * that throws is logged at WARNING and goes on receiving events.
 */
@FunctionalInterface
public interface ConnectionListener {

    /** Handles one event. */
    void onEvent(ConnectionEvent event);
}
