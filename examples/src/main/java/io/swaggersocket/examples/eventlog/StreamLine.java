package io.swaggersocket.examples.eventlog;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Immutable: one line of an NDJSON stream (or one WebSocket message), the {@code StreamLine}
 * schema of {@code eventlog.yaml}; exactly one component is set.
 *
 * @param event an event, or null
 * @param heartbeat the log's time on a quiet live stream, or null
 * @param end why the stream ended, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record StreamLine(LoggedEvent event, Double heartbeat, End end) {

    static StreamLine of(LoggedEvent event) {
        return new StreamLine(event, null, null);
    }

    static StreamLine heartbeat(double now) {
        return new StreamLine(null, now, null);
    }

    static StreamLine end(String reason, String detail, long count) {
        return new StreamLine(null, null, new End(reason, detail, count));
    }

    /**
     * The last line: why the stream ended.
     *
     * @param reason complete, limit, slow, closed or error
     * @param detail what happened, or null
     * @param count how many events the stream sent
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record End(String reason, String detail, long count) {
    }
}
