package io.swaggersocket.examples.eventlog;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread-safe: an event log stored in an embedded H2 database in a directory (reopening the
 * directory finds every event stored before), with live followers. Serve it with
 * {@link EventLogAgent#handler(EventLog)}; close it to close the database and end every follow.
 *
 * <p>Defaults, each configurable on the {@link Builder}: at most 64 live followers at once
 * (more: 503), a buffer of 1024 events per follower (a follower further behind is cut with an
 * {@code end} line, {@code slow}, and publishers never wait for it), a heartbeat line after 15 s
 * without an event on a live stream.
 */
public final class EventLog implements AutoCloseable {
    private final EventStore store;
    private final LiveHub hub;
    private final Duration heartbeat;
    private final ExecutorService readers;
    /** One publisher at a time, so followers see seq order; not the hub's lock, so following never waits for an insert. */
    private final Object appendLock = new Object();

    private EventLog(EventStore store, Builder b) {
        this.store = store;
        this.hub = new LiveHub(b.maxFollowers, b.followerBuffer);
        this.heartbeat = b.heartbeat;
        AtomicInteger n = new AtomicInteger();
        // one thread per WebSocket follower reads the client's frames; bounded by maxFollowers
        this.readers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "eventlog-ws-reader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Opens the log in {@code directory} with the defaults. */
    public static EventLog open(Path directory) throws SQLException {
        return builder(directory).build();
    }

    /** A builder for the log in {@code directory} (created by H2 if missing). */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** Stores events (ids and timestamps filled in when absent), then hands them to the followers. */
    List<LoggedEvent> append(List<NewEvent> events) throws SQLException {
        double now = System.currentTimeMillis() / 1000.0;
        List<LoggedEvent> filled = new ArrayList<>(events.size());
        for (NewEvent e : events) {
            filled.add(new LoggedEvent(0, e.id() == null ? UUID.randomUUID().toString() : e.id(),
                    e.timestamp() == null ? now : e.timestamp(), e.source(), e.tags() == null ? List.of() : e.tags(),
                    e.content()));
        }
        synchronized (appendLock) {
            List<LoggedEvent> stored = store.append(filled);
            hub.publish(stored);
            return stored;
        }
    }

    EventStore store() {
        return store;
    }

    LiveHub hub() {
        return hub;
    }

    Duration heartbeat() {
        return heartbeat;
    }

    ExecutorService readers() {
        return readers;
    }

    /** How many events are stored. */
    public long size() throws SQLException {
        return store.count();
    }

    /** How many live followers (NDJSON and WebSocket) follow now. */
    public int followers() {
        return hub.size();
    }

    /** Ends every follow with an {@code end} line ({@code closed}) and closes the database. */
    @Override
    public void close() throws SQLException {
        hub.closeAll("the event log is closing");
        readers.shutdownNow();
        store.close();
    }

    /** Not thread-safe: configure, then {@link #build()}. */
    public static final class Builder {
        private final Path directory;
        private int maxFollowers = 64;
        private int followerBuffer = 1024;
        private Duration heartbeat = Duration.ofSeconds(15);

        private Builder(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
        }

        /** Live followers at once, [1, 10000]; default 64. */
        public Builder maxFollowers(int maxFollowers) {
            this.maxFollowers = inRange("maxFollowers", maxFollowers, 1, 10_000);
            return this;
        }

        /** Events a follower may fall behind before it is cut, [1, 1000000]; default 1024. */
        public Builder followerBuffer(int followerBuffer) {
            this.followerBuffer = inRange("followerBuffer", followerBuffer, 1, 1_000_000);
            return this;
        }

        /** Quiet time before a heartbeat line on a live stream, [10 ms, 10 min]; default 15 s. */
        public Builder heartbeat(Duration heartbeat) {
            Objects.requireNonNull(heartbeat, "heartbeat");
            if (heartbeat.toMillis() < 10 || heartbeat.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("heartbeat: " + heartbeat + " is out of range [PT0.01S, PT10M]");
            }
            this.heartbeat = heartbeat;
            return this;
        }

        /** Opens the database. */
        public EventLog build() throws SQLException {
            return new EventLog(EventStore.open(directory), this);
        }

        private static int inRange(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + ": " + value + " is out of range [" + min + ", " + max + "]");
            }
            return value;
        }
    }
}
