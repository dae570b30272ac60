package io.swaggersocket.bench.soak;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The outcome of every call of the soak, by path. Thread-safe: callers record from any thread.
 * Every call ends in exactly one class: correct, failed fast with a clear error (by kind), lost
 * (no answer and no error within {@link SoakOptions#lostAfter}) or mismatched (an answer meant for
 * another call, or a wrong checksum presented as success).
 */
final class Tally {
    /** The classes; {@link #FAILED} is counted by kind as well. */
    enum Outcome { CORRECT, FAILED, LOST, MISMATCHED }

    private final ConcurrentMap<String, Row> rows = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> examples = new ConcurrentHashMap<>();
    private final List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong started = new AtomicLong();

    private static final class Row {
        final LongAdder[] counts = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
        final LongAdder bytes = new LongAdder();
    }

    /** A call has begun; every one must later be {@link #record}ed once. */
    void start() {
        started.incrementAndGet();
    }

    void correct(String path, long bytes) {
        Row r = row(path);
        r.counts[Outcome.CORRECT.ordinal()].increment();
        r.bytes.add(bytes);
    }

    /** Failed fast with a clear error of {@code kind} (an HTTP status, "reset", "connect", ...). */
    void failed(String path, String kind) {
        failed(path, kind, "");
    }

    /** The same, with an example of what the caller got (the first of each kind is kept for the report). */
    void failed(String path, String kind, String example) {
        row(path).counts[Outcome.FAILED.ordinal()].increment();
        String key = path + ": " + kind;
        failures.computeIfAbsent(key, k -> new LongAdder()).increment();
        if (!example.isEmpty()) {
            examples.putIfAbsent(key, example.length() > 160 ? example.substring(0, 160) + "..." : example);
        }
    }

    /** Lost or mismatched: counted, and {@code detail} kept for the report (the first 50). */
    void bad(String path, Outcome outcome, String detail) {
        row(path).counts[outcome.ordinal()].increment();
        if (problems.size() < 50) {
            problems.add(outcome + " " + path + ": " + detail);
        }
        System.err.println("[soak] " + outcome + " " + path + ": " + detail);
    }

    long count(Outcome outcome) {
        long n = 0;
        for (Row r : rows.values()) {
            n += r.counts[outcome.ordinal()].sum();
        }
        return n;
    }

    long started() {
        return started.get();
    }

    long recorded() {
        long n = 0;
        for (Outcome o : Outcome.values()) {
            n += count(o);
        }
        return n;
    }

    List<String> problems() {
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    private Row row(String path) {
        return rows.computeIfAbsent(path, k -> new Row());
    }

    /** The table: one line a path, then the failures by kind. */
    String table() {
        StringBuilder b = new StringBuilder();
        b.append("| path | calls | correct | failed fast | lost | mismatched | MiB checked |\n");
        b.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        long[] total = new long[5];
        for (Map.Entry<String, Row> e : new TreeMap<>(rows).entrySet()) {
            long[] c = new long[4];
            for (int i = 0; i < 4; i++) {
                c[i] = e.getValue().counts[i].sum();
                total[i] += c[i];
            }
            long bytes = e.getValue().bytes.sum();
            total[4] += bytes;
            b.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %.1f |%n", e.getKey(),
                    c[0] + c[1] + c[2] + c[3], c[0], c[1], c[2], c[3], bytes / 1048576.0));
        }
        b.append(String.format(Locale.ROOT, "| **all** | %d | %d | %d | **%d** | **%d** | %.1f |%n",
                total[0] + total[1] + total[2] + total[3], total[0], total[1], total[2], total[3], total[4] / 1048576.0));
        b.append("\nFailed fast, by kind (with the first error of each kind):\n\n| path: kind | calls | first |\n| --- | ---: | --- |\n");
        new TreeMap<>(failures).forEach((k, v) -> b.append("| ").append(k).append(" | ").append(v.sum()).append(" | ")
                .append(examples.getOrDefault(k, "").replace('|', '/').replace('\n', ' ')).append(" |\n"));
        return b.toString();
    }
}
