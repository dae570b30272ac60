package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Records a server's events in order; {@link #next()} waits for the next one. */
final class EventLog implements ConnectionListener {
    private final BlockingQueue<ConnectionEvent> events = new LinkedBlockingQueue<>();

    @Override
    public void onEvent(ConnectionEvent event) {
        events.add(event);
    }

    /** The next event; fails the test if none comes within 10 s. */
    ConnectionEvent next() throws InterruptedException {
        ConnectionEvent e = events.poll(10, TimeUnit.SECONDS);
        assertNotNull(e, "expected an event within 10 s but none came");
        return e;
    }

    /** The next event, which must be of {@code type} and for {@code connectionId}. */
    ConnectionEvent next(ConnectionEvent.Type type, String connectionId) throws InterruptedException {
        ConnectionEvent e = next();
        assertEquals(type, e.type(), () -> "event " + e);
        assertEquals(connectionId, e.connectionId(), () -> "event " + e);
        return e;
    }

    /** Events already delivered and not yet taken. */
    ConnectionEvent poll() {
        return events.poll();
    }
}
