package io.swaggersocket.examples.eventlog;

import io.swaggersocket.openapi.ApiException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Thread-safe: the live followers, at most a fixed number at once. {@link #publish} is called by
 * one publisher at a time (under the log's append lock), so every follower sees events in seq order.
 */
final class LiveHub {
    private final int maxFollowers;
    private final int buffer;
    private final List<Follower> followers = new CopyOnWriteArrayList<>();

    LiveHub(int maxFollowers, int buffer) {
        this.maxFollowers = maxFollowers;
        this.buffer = buffer;
    }

    /**
     * A new follower of {@code query}.
     *
     * @throws ApiException 503 when {@code maxFollowers} already follow
     */
    synchronized Follower follow(EventQuery query) {
        if (followers.size() >= maxFollowers) {
            throw new ApiException(503, maxFollowers + " live followers already follow this log: try again later");
        }
        Follower f = new Follower(this, query, buffer);
        followers.add(f);
        return f;
    }

    void publish(List<LoggedEvent> events) {
        for (Follower f : followers) {
            for (LoggedEvent e : events) {
                f.offer(e);
            }
        }
    }

    void remove(Follower follower) {
        followers.remove(follower);
    }

    /** How many follow now. */
    int size() {
        return followers.size();
    }

    /** Ends every follower with {@code closed}. */
    void closeAll(String detail) {
        for (Follower f : followers) {
            f.cut("closed", detail);
        }
    }
}
