package io.swaggersocket.examples.eventlog;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Thread-safe: one live follower's bounded buffer. Publishers {@link #offer} under the log's
 * append lock and never wait: a full buffer cuts the follower ({@code slow}) instead of slowing
 * them. The follower's own thread takes events and applies the regexes (so their cost is its own).
 */
final class Follower implements AutoCloseable {
    /** Taken after the end: the follower stops. */
    private static final LoggedEvent END = new LoggedEvent(-1, "-", 0, "-", java.util.List.of(), "");

    private final LiveHub hub;
    private final EventQuery query;
    private final int capacity;
    private final BlockingQueue<LoggedEvent> queue;
    private volatile StreamLine.End end; // set once

    Follower(LiveHub hub, EventQuery query, int capacity) {
        this.hub = hub;
        this.query = query;
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity + 1); // + 1: room for END when full
    }

    EventQuery query() {
        return query;
    }

    /** From the publisher, one at a time: queue the event, or cut the follower if its buffer is full. */
    void offer(LoggedEvent event) {
        if (end != null || !query.inTime(event.timestamp())) {
            return;
        }
        if (queue.size() >= capacity) {
            cut("slow", "the follower fell " + capacity + " events behind");
            return;
        }
        queue.offer(event);
    }

    /**
     * The next event, waiting at most {@code timeoutMillis}; null on timeout, {@link #isEnd} once
     * the follower ended.
     */
    LoggedEvent poll(long timeoutMillis) throws InterruptedException {
        return queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** Another event without waiting, or null. */
    LoggedEvent pollNow() {
        return queue.poll();
    }

    static boolean isEnd(LoggedEvent event) {
        return event == END;
    }

    /** Why it ended, once it has. */
    StreamLine.End end() {
        return end;
    }

    /** Ends the follower (the first reason wins), dropping what it had not taken, and wakes it. */
    void cut(String reason, String detail) {
        synchronized (this) {
            if (end != null) {
                return;
            }
            end = new StreamLine.End(reason, detail, 0);
        }
        hub.remove(this);
        queue.clear();
        queue.offer(END);
    }

    /** Stops following (the caller went away): unregisters. */
    @Override
    public void close() {
        cut("closed", "the follower stopped");
    }
}
