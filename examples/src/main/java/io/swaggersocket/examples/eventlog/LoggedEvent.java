package io.swaggersocket.examples.eventlog;

import java.util.List;
import java.util.Objects;

/**
 * Immutable: one event as the log stores it, the {@code Event} schema of {@code eventlog.yaml}.
 *
 * @param seq the log's order of arrival, strictly increasing
 * @param id the publisher's id (or a random UUID)
 * @param timestamp when it happened, in seconds since the epoch
 * @param source where it came from
 * @param tags its tags, in the order published
 * @param content its text
 */
record LoggedEvent(long seq, String id, double timestamp, String source, List<String> tags, String content) {
    /** Copies {@code tags}; checks nothing else (the document's schema did). */
    LoggedEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(content, "content");
        tags = List.copyOf(tags);
    }
}
