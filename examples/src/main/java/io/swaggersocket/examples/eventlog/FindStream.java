package io.swaggersocket.examples.eventlog;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;

/**
 * Not thread-safe, run once: the lines of one {@code find}. The database narrows by time and
 * orders; the regexes run here, within a {@link RegexBudget}. Ends with one {@code end} line:
 * {@code complete}, {@code limit} (that many were sent; more may match) or {@code error}.
 */
final class FindStream {
    private final EventStore store;
    private final EventQuery query;
    private final boolean descending;
    private final int limit;

    FindStream(EventStore store, EventQuery query, boolean descending, int limit) {
        this.store = store;
        this.query = query;
        this.descending = descending;
        this.limit = limit;
    }

    /** Writes the matching events and the end line; an {@link IOException} means the caller went away. */
    void run(LineSink sink) throws IOException {
        RegexBudget budget = RegexBudget.forFind();
        long sent = 0;
        try (EventStore.Reader reader = store.read(query, descending)) {
            while (true) {
                // without regexes every row matches: read no more than the limit needs
                int want = query.hasRegex() ? EventStore.CHUNK : (int) Math.min(EventStore.CHUNK, limit - sent);
                List<LoggedEvent> chunk = reader.next(want);
                if (chunk.isEmpty()) {
                    sink.line(StreamLine.end("complete", null, sent));
                    break;
                }
                for (LoggedEvent e : chunk) {
                    if (!query.matches(e, budget)) {
                        continue;
                    }
                    sink.line(StreamLine.of(e));
                    if (++sent == limit) {
                        sink.line(StreamLine.end("limit", "the limit of " + limit
                                + " events was reached; ask again from the last event's timestamp", sent));
                        sink.flush();
                        return;
                    }
                }
                sink.flush();
            }
        } catch (RegexBudget.Exhausted e) {
            sink.line(StreamLine.end("error", e.getMessage(), sent));
        } catch (SQLException e) {
            sink.line(StreamLine.end("error", "the log could not be read: " + e.getMessage(), sent));
        }
        sink.flush();
    }
}
