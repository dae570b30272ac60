package io.swaggersocket.client;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

/**
 * Thread-safe: a {@link SocketClient}'s {@link ClientStateListener}s and the delivery of state
 * events to them, one at a time and in the order they were emitted, on the connection config's
 * executor, never on the thread that changed the state (which holds the client's lock). A listener
 * that throws is logged and does not stop the others.
 */
final class StateEvents {
    private static final System.Logger LOG = System.getLogger(SocketClient.class.getName());

    private final List<ClientStateListener> listeners = new CopyOnWriteArrayList<>();
    private final SerialExecutor delivery;

    StateEvents(Executor executor) {
        this.delivery = new SerialExecutor(executor);
    }

    void add(ClientStateListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    void remove(ClientStateListener listener) {
        listeners.remove(listener);
    }

    /** Queues {@code event} for every listener; called holding the client's lock so that events keep the order of the changes. */
    void emit(ClientStateEvent event) {
        delivery.execute(() -> {
            for (ClientStateListener listener : listeners) {
                try {
                    listener.onStateChange(event);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "state listener " + listener + " threw on " + event.state(), e);
                }
            }
        });
    }
}
