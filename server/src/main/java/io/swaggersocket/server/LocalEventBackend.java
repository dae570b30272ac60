package io.swaggersocket.server;

import java.util.concurrent.CompletableFuture;

/** The default {@link EventBackend}: a marker that tells the hub to number events itself. Stateless. */
final class LocalEventBackend implements EventBackend {
    static final LocalEventBackend INSTANCE = new LocalEventBackend();

    private LocalEventBackend() {
    }

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public String epoch() {
        throw new UnsupportedOperationException("the local event backend has no epoch of its own: the hub makes one");
    }

    @Override
    public void start(Reader reader, int history) {
        throw new UnsupportedOperationException("the local event backend is not read: the hub holds the events");
    }

    @Override
    public CompletableFuture<Long> append(String json) {
        throw new UnsupportedOperationException("the local event backend is not appended to: the hub numbers events");
    }

    @Override
    public void close() {
    }
}
