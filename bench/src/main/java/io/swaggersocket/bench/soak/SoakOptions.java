package io.swaggersocket.bench.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Immutable: what one soak run does, from {@code bench/soak.sh}'s arguments. Every duration has a
 * default chosen so that correct behaviour is never counted lost on a busy 2-core machine (see
 * {@link #parse}).
 *
 * @param minutes      how long callers and the chaos loop run, after the warm-up
 * @param agents       {@code swaggersocket agent --forward} processes (each its own JVM and fault relay)
 * @param nodes        server nodes; more than 1 needs the cluster set-up (see {@link ServerNodes})
 * @param chaosPeriod  one fault every this often
 * @param warmup       load before the "post-warm-up" resource sample, not counted apart
 * @param lostAfter    a call with neither an answer nor an error this long after it started is lost
 * @param stallFor     how long a stalled (half-open) link stays stalled before the relay cuts it
 * @param callers      concurrent ingress callers (each one call at a time)
 * @param seed         the random seed of sizes, targets and faults (printed, to replay a run)
 * @param upstreamMaxBody the biggest request body the upstream takes (bigger: 413 before reading it)
 * @param cliJar       {@code cli/target/swaggersocket.jar}
 * @param out          where logs, the access file and the table go
 */
record SoakOptions(int minutes, int agents, int nodes, Duration chaosPeriod, Duration warmup, Duration lostAfter,
        Duration stallFor, int callers, long seed, long upstreamMaxBody, java.util.Set<Chaos.Fault> faults, Path cliJar,
        Path out) {

    /** The biggest body of a call: 8 MiB. */
    static final int MAX_BODY = 8 << 20;

    SoakOptions {
        if (minutes < 1) {
            throw new IllegalArgumentException("--minutes: " + minutes + " is below 1");
        }
        if (agents < 2) {
            throw new IllegalArgumentException("--agents: " + agents + " is below 2 (agent 0 is never killed; the others are)");
        }
        if (nodes < 1) {
            throw new IllegalArgumentException("--nodes: " + nodes + " is below 1");
        }
        if (upstreamMaxBody < 0) {
            throw new IllegalArgumentException("--upstream-max-body: " + upstreamMaxBody + " is below 0");
        }
        if (callers < 1) {
            throw new IllegalArgumentException("--callers: " + callers + " is below 1");
        }
        faults = java.util.Set.copyOf(faults);
        if (faults.isEmpty()) {
            throw new IllegalArgumentException("--faults: expected at least one fault");
        }
        if (nodes == 1 && (faults.contains(Chaos.Fault.RESTART_NODE) || faults.contains(Chaos.Fault.DRAIN_NODE))) {
            throw new IllegalArgumentException("--faults: RESTART_NODE and DRAIN_NODE need --nodes 2 or more");
        }
    }

    /**
     * Reads {@code --minutes N --agents N --nodes N --chaos-seconds N --warmup-seconds N --lost-seconds N
     * --stall-seconds N --callers N --seed N --upstream-max-body BYTES --faults KIND,... --cli-jar PATH --out DIR}. Defaults: 10 minutes, 20 agents,
     * 1 node; a fault every 30 s, or every run/7 for runs under 5 minutes (so the 1-minute profile sees
     * several); warm-up 30 s (10 s under 5 minutes); lost after 150 s, more than the ingress's 60 s
     * response-head timeout plus the 29 s in which a heartbeat finds a half-open peer, with room for a
     * loaded machine; a stall of 35 s, longer than those 29 s, so the heartbeat (not the heal) ends it;
     * 6 ingress callers; the upstream takes bodies up to 8 MiB (all the soak sends); every fault kind
     * of {@link Chaos.Fault} (the node faults only with {@code --nodes} over 1) in turn. {@code --faults}
     * narrows the rotation to the kinds named, to reproduce one kind's failure more often.
     */
    static SoakOptions parse(String... args) {
        int minutes = 10;
        int agents = 20;
        int nodes = 1;
        Integer chaos = null;
        Integer warmup = null;
        int lost = 150;
        int stall = 35;
        int callers = 6;
        long seed = System.nanoTime();
        long upstreamMaxBody = MAX_BODY;
        Path jar = Path.of("cli/target/swaggersocket.jar");
        Path out = Path.of("bench/target/soak");
        java.util.Set<Chaos.Fault> faults = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + ": a value is missing");
            }
            String v = args[++i];
            switch (a) {
                case "--minutes" -> minutes = intValue(a, v);
                case "--agents" -> agents = intValue(a, v);
                case "--nodes" -> nodes = intValue(a, v);
                case "--chaos-seconds" -> chaos = intValue(a, v);
                case "--warmup-seconds" -> warmup = intValue(a, v);
                case "--lost-seconds" -> lost = intValue(a, v);
                case "--stall-seconds" -> stall = intValue(a, v);
                case "--callers" -> callers = intValue(a, v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--upstream-max-body" -> upstreamMaxBody = Long.parseLong(v);
                case "--faults" -> faults = faults(v);
                case "--cli-jar" -> jar = Path.of(v);
                case "--out" -> out = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        boolean short_ = minutes < 5;
        int chaosSeconds = chaos != null ? chaos : short_ ? Math.max(5, minutes * 60 / 7) : 30;
        int warmupSeconds = warmup != null ? warmup : short_ ? 10 : 30;
        if (faults == null) {
            faults = java.util.EnumSet.allOf(Chaos.Fault.class);
            if (nodes == 1) {
                faults.removeAll(java.util.EnumSet.of(Chaos.Fault.RESTART_NODE, Chaos.Fault.DRAIN_NODE));
            }
        }
        return new SoakOptions(minutes, agents, nodes, positive("--chaos-seconds", chaosSeconds),
                positive("--warmup-seconds", warmupSeconds), positive("--lost-seconds", lost),
                positive("--stall-seconds", stall), callers, seed, upstreamMaxBody, faults, jar, out);
    }

    private static java.util.Set<Chaos.Fault> faults(String v) {
        java.util.Set<Chaos.Fault> out = java.util.EnumSet.noneOf(Chaos.Fault.class);
        for (String name : v.split(",")) {
            try {
                out.add(Chaos.Fault.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--faults: expected some of " + java.util.Arrays.toString(Chaos.Fault.values())
                        + " but was " + name);
            }
        }
        return out;
    }

    private static int intValue(String option, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected a whole number but was " + v);
        }
    }

    private static Duration positive(String option, int seconds) {
        if (seconds < 1) {
            throw new IllegalArgumentException(option + ": " + seconds + " is below 1");
        }
        return Duration.ofSeconds(seconds);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "--minutes %d --agents %d --nodes %d --chaos-seconds %d --warmup-seconds %d"
                        + " --lost-seconds %d --stall-seconds %d --callers %d --seed %d --upstream-max-body %d --faults %s",
                minutes, agents, nodes, chaosPeriod.toSeconds(), warmup.toSeconds(), lostAfter.toSeconds(), stallFor.toSeconds(),
                callers, seed, upstreamMaxBody, String.join(",", faults.stream().sorted().map(Enum::name).toList()));
    }
}
