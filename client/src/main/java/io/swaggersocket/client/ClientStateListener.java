package io.swaggersocket.client;

/**
 * Implementations need not be thread-safe: a {@link SocketClient} calls its listeners one event at
 * a time, in the order of its state changes, on a thread of the connection config's executor
 * (never an I/O thread, unless that executor runs tasks in place). A listener must not block for
 * long; one that throws is logged and the others are still told.
 */
@FunctionalInterface
public interface ClientStateListener {
    void onStateChange(ClientStateEvent event);
}
