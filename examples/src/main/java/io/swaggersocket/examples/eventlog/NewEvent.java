package io.swaggersocket.examples.eventlog;

import java.util.List;

/**
 * Immutable: an event as a publisher sends it (the {@code Event} schema without {@code seq});
 * {@code id} and {@code timestamp} may be absent, and the log fills them in.
 *
 * @param id the publisher's id, or null
 * @param timestamp seconds since the epoch, or null
 * @param source where it came from
 * @param tags its tags, or null for none
 * @param content its text
 */
record NewEvent(String id, Double timestamp, String source, List<String> tags, String content) {
}
