package io.swaggersocket.cli;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where a {@code watch} is in the server's event history, so that a reconnect resumes with
 * {@code since} and {@code epoch} and the output has no gap and no duplicate: docs/EVENTS.md,
 * "The /events endpoint". Pure; one instance per watch; not thread-safe: {@link EventWatch} moves
 * and reads it under its own lock (a socket's listener thread, then the reconnect loop).
 *
 * <p>The position is the epoch and the highest sequence number printed, or, before any event,
 * the latest one the server announced in its hello (what came before the watch started is not
 * asked for unless {@code --since} says so).
 */
final class WatchCursor {
    /** What to do with one message from the server. */
    enum Verdict {
        /** An event not seen before: print it. */
        PRINT,
        /** An event already printed (a resume may replay the last one): drop it. */
        DUPLICATE,
        /** A gap event: print it as it is, and say so on stderr. */
        GAP,
        /** An error event: say so on stderr. */
        ERROR,
        /**
         * A hello of another history than the one resumed (the server restarted): events of the
         * old history after the position may be lost, which no gap event of the new one can say.
         */
        NEW_HISTORY,
        /** The hello, an acknowledgement, anything else of the server's own: nothing to show. */
        CONTROL
    }

    private String epoch;
    /** The highest Seq printed or skipped past in {@link #epoch}; -1 before the first hello without --since. */
    private long seq;

    /**
     * @param since the user's {@code --since}, or {@code null} to start with the live events
     * @param epoch the user's {@code --epoch}, or {@code null} (then {@code since} counts in the server's current history)
     */
    WatchCursor(Long since, String epoch) {
        this.seq = since == null ? -1 : since;
        this.epoch = epoch;
    }

    /** The {@code since} to send, or {@code null} for none (live events only). */
    Long since() {
        return seq < 0 ? null : seq;
    }

    /** The {@code epoch} to send with {@link #since()}, or {@code null}. */
    String epoch() {
        return epoch;
    }

    /** Classifies one message from the server and moves the position. */
    Verdict accept(JsonNode event) {
        if ("websocket".equals(event.path("Type").asText(null))) {
            String action = event.path("Action").asText("");
            switch (action) {
                case "hello" -> {
                    return hello(event.path("Object")) ? Verdict.NEW_HISTORY : Verdict.CONTROL;
                }
                case "gap" -> {
                    return Verdict.GAP;
                }
                case "error" -> {
                    return Verdict.ERROR;
                }
                default -> {
                }
            }
            return Verdict.CONTROL;
        }
        JsonNode s = event.get("Seq");
        if (s == null || !s.canConvertToLong()) {
            return Verdict.PRINT; // not ours to judge: an event without a number cannot be a repeat
        }
        long n = s.asLong();
        String e = event.path("Epoch").asText(null);
        if (e != null && epoch != null && !e.equals(epoch)) {
            epoch = e; // a hello should have said so first; follow the event's history anyway
            seq = n;
            return Verdict.PRINT;
        }
        if (n <= seq) {
            return Verdict.DUPLICATE;
        }
        seq = n;
        return Verdict.PRINT;
    }

    /** Takes the hello's epoch; true when it ends the history resumed. */
    private boolean hello(JsonNode object) {
        String e = object.path("epoch").asText(null);
        long latest = object.path("seq").asLong(0);
        boolean changed = false;
        if (seq < 0) {
            seq = latest; // first connect, no --since: live events only, from here
        } else if (epoch != null && e != null && !e.equals(epoch)) {
            seq = 0; // a new history (the server restarted): all of it is new
            changed = true;
        }
        if (e != null) {
            epoch = e;
        }
        return changed;
    }
}
