package io.swaggersocket.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What one event subscriber saw, checked as it comes: within an epoch every {@code Seq} after the
 * first hello's must arrive exactly once and in order, or lie in a gap event received before the
 * next event. Counts events delivered and events reported as gaps; anything else is a violation
 * (an unreported gap, a duplicate, an event out of order). Not thread-safe: one socket's listener
 * feeds it, one message after another (the subscriber's lock covers a resume).
 */
final class EventLedger {
    private static final int MAX_VIOLATIONS_KEPT = 20;

    private String epoch;
    /** The last Seq delivered (or the hello's, before the first event); -1 before the first hello. */
    private long last = -1;
    /** The highest Seq a gap event covers contiguously from {@link #last}; at least {@code last}. */
    private long covered = -1;
    private long first = -1;
    private long delivered;
    private long gapped;
    private long gapEvents;
    private long violations;
    private final List<String> examples = new ArrayList<>();

    /** The query that resumes after what was seen: {@code since} and {@code epoch}, or empty before any hello. */
    String resumeQuery() {
        return epoch == null ? "" : "&since=" + last + "&epoch=" + epoch;
    }

    /** One message of the stream (hello, acknowledgement, gap or event). */
    void accept(JsonNode event) {
        String type = event.path("Type").asText();
        String action = event.path("Action").asText();
        if ("websocket".equals(type) && "hello".equals(action)) {
            hello(event.path("Object"));
        } else if ("websocket".equals(type) && "gap".equals(action)) {
            gap(event.path("Object"));
        } else if (event.has("Seq")) {
            event(event.path("Seq").asLong(), event.path("Epoch").asText());
        }
    }

    private void hello(JsonNode object) {
        String e = object.path("epoch").asText();
        if (epoch == null) {
            epoch = e;
            last = object.path("seq").asLong();
            covered = last;
            first = last;
        } else if (!epoch.equals(e)) {
            violation("the epoch changed from " + epoch + " to " + e + " on a resume (the server restarted?)");
            epoch = e;
            last = 0;
            covered = 0;
        }
    }

    private void gap(JsonNode object) {
        long from = object.path("from").asLong();
        JsonNode to = object.path("to");
        if (!to.canConvertToLong()) {
            return; // a restart gap: the epoch check above judges it
        }
        gapEvents++;
        if (from <= covered + 1) {
            covered = Math.max(covered, to.asLong());
        } else {
            violation("a gap " + from + ".." + to.asLong() + " does not join what came before (last " + last + ")");
        }
    }

    private void event(long seq, String eventEpoch) {
        if (epoch == null) {
            violation("event " + seq + " before any hello");
            return;
        }
        if (!epoch.equals(eventEpoch)) {
            violation("event " + seq + " of epoch " + eventEpoch + " in epoch " + epoch);
            return;
        }
        if (seq <= last) {
            violation((seq == last ? "duplicate" : "out of order") + ": event " + seq + " after " + last);
            return;
        }
        long reported = Math.min(seq - 1, covered) - last;
        if (reported > 0) {
            gapped += reported;
        }
        if (seq - 1 > Math.max(last, covered)) {
            violation("unreported gap: events " + (Math.max(last, covered) + 1) + ".." + (seq - 1) + " missing");
        }
        delivered++;
        last = seq;
        covered = Math.max(covered, seq);
    }

    private void violation(String what) {
        violations++;
        if (examples.size() < MAX_VIOLATIONS_KEPT) {
            examples.add(what);
        }
    }

    /** The last Seq delivered, or the first hello's before any event; -1 before any hello. */
    long last() {
        return last;
    }

    /** Events of the epoch after the first hello up to {@link #last}: those delivered plus those in gaps, if none went missing. */
    long span() {
        return first < 0 ? 0 : last - first;
    }

    long delivered() {
        return delivered;
    }

    long gapped() {
        return gapped;
    }

    long gapEvents() {
        return gapEvents;
    }

    long violations() {
        return violations;
    }

    List<String> examples() {
        return List.copyOf(examples);
    }
}
