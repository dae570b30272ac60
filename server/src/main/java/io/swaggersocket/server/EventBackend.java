package io.swaggersocket.server;

import java.util.concurrent.CompletableFuture;

/**
 * Implementations must be thread-safe: the log behind a server's event hub, which gives every event
 * its sequence number and its order. {@link #local()} (the default) is this process alone: the hub
 * numbers events itself. A shared log (the {@code swaggersocket-cluster} module has one on a Redis
 * stream) is one total order for every node of a cluster: each node {@link #append}s the events
 * published on it, and {@link #start reads} every node's events back, in the log's order, into its
 * own hub, so that every {@code /events} subscriber on every node sees the same sequence numbers in
 * the same order and may resume on any node (docs/EVENTS.md, "In a cluster").
 *
 * <p>Every call must be bounded in time; a log that cannot be reached says so through the
 * future of {@link #append} and {@link Reader#unavailable}, never by blocking.
 */
public interface EventBackend extends AutoCloseable {

    /** Where a shared log delivers its entries: called by one thread, in the log's order. */
    interface Reader {
        /**
         * One entry of the log.
         *
         * @param epoch the id of the log's history (a new one when the log lost its data)
         * @param seq its sequence number within {@code epoch}, 1, 2, 3, ... (numbers may be skipped
         *        when entries were trimmed before they could be read: the hub then sends a gap)
         * @param json the event's JSON as {@link #append}ed: without {@code Seq} and {@code Epoch}
         */
        void entry(String epoch, long seq, String json);

        /** The log cannot be read or written now (said once per outage); {@code why} for the logs. */
        void unavailable(String why);
    }

    /** True for a log shared with other nodes; false for {@link #local()}. */
    boolean shared();

    /**
     * The epoch of the log now (for a shared log: asked once at start, bounded by its timeout).
     * Not called on {@link #local()}.
     */
    String epoch();

    /**
     * Starts reading: first the retained entries (at most {@code history}, oldest first), before
     * this method returns when the log can be reached in time, then every entry appended from then
     * on, by any node, until {@link #close}. Called once.
     */
    void start(Reader reader, int history);

    /**
     * Appends the event {@code json} (without {@code Seq} and {@code Epoch}). Never blocks: the
     * future completes with its sequence number once the log holds it, or exceptionally within
     * the log's timeout when it cannot be reached (the event is then not in the log).
     */
    CompletableFuture<Long> append(String json);

    /** Stops reading; later appends fail. */
    @Override
    void close();

    /** The single-process log: the hub numbers its own events, nothing shared. */
    static EventBackend local() {
        return LocalEventBackend.INSTANCE;
    }
}
