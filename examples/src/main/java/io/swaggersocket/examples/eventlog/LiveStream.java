package io.swaggersocket.examples.eventlog;

import java.io.IOException;

/**
 * Not thread-safe, run once: the lines of one live follow, until the follower ends (the caller
 * went away, it fell behind, the log closed). A heartbeat line goes out after a quiet interval so
 * that idle timeouts on the way (the ingress's body idle timeout) never end a healthy follow.
 */
final class LiveStream {
    private final Follower follower;
    private final long heartbeatMillis;

    LiveStream(Follower follower, long heartbeatMillis) {
        this.follower = follower;
        this.heartbeatMillis = heartbeatMillis;
    }

    /** Writes events as they come, then the end line; an {@link IOException} means the caller went away. */
    void run(LineSink sink) throws IOException {
        RegexBudget budget = RegexBudget.perMatchOnly();
        long sent = 0;
        try {
            sink.flush(); // the head goes now: a caller sees the follow start before any event
            while (true) {
                LoggedEvent e = follower.poll(heartbeatMillis);
                if (e == null) {
                    sink.line(StreamLine.heartbeat(System.currentTimeMillis() / 1000.0));
                    sink.flush();
                    continue;
                }
                boolean wrote = false;
                for (; e != null; e = follower.pollNow()) { // a burst: one flush for all that is queued
                    if (Follower.isEnd(e)) {
                        StreamLine.End end = follower.end();
                        sink.line(StreamLine.end(end.reason(), end.detail(), sent));
                        sink.flush();
                        return;
                    }
                    if (follower.query().matches(e, budget)) {
                        sink.line(StreamLine.of(e));
                        sent++;
                        wrote = true;
                    }
                }
                if (wrote) {
                    sink.flush();
                }
            }
        } catch (RegexBudget.Exhausted e) {
            sink.line(StreamLine.end("error", e.getMessage(), sent));
            sink.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            sink.line(StreamLine.end("closed", "interrupted", sent));
            sink.flush();
        } finally {
            follower.close();
        }
    }
}
