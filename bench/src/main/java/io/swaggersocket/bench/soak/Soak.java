package io.swaggersocket.bench.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench/soak.sh}: the chaos soak (issue 16). Starts a real {@code swaggersocket server}, N
 * {@code swaggersocket agent --forward} processes (each through a fault relay) to an {@link Upstream}
 * in this JVM, and the {@link LibraryRig} (with {@code --nodes N}, N cluster nodes behind HAProxy:
 * {@link ServerNodes}, {@link ClusterRig}); runs {@link EventSubscribers}, {@link Callers} and {@link WsSessions} for the
 * warm-up and the run, with {@link Chaos} during the run; samples {@link Resources} at the start,
 * after the warm-up, every minute and at the end; prints one table and exits 0 only if no call was
 * lost or mismatched, every call was accounted for, every fault was done, every agent came back, and
 * the server's and the sentinel agent's heap, threads and descriptors at the end are within 10 % of
 * their level after the warm-up. Exit 1 otherwise, 2 on a bad command line.
 */
public final class Soak {
    /** Bound on every agent (re)connecting, at the start and at the end: 20 JVMs starting on 2 busy cores. */
    static final Duration CONNECT_BOUND = Duration.ofSeconds(180);
    /** How long idle threads of the JDK's cached pools (the library's workers) live: 60 s, and some. */
    static final Duration POOL_SETTLE = Duration.ofSeconds(65);
    /** WebSocket sessions running at once. */
    static final int WS_SESSIONS = 2;

    private final SoakOptions options;
    private final List<String> resourceLines = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();

    private Soak(SoakOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        SoakOptions options;
        try {
            options = SoakOptions.parse(args);
            if (options.nodes() != 1) {
                new ServerNodes(options, "");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(new Soak(options).run());
    }

    private static void log(String s) {
        System.err.println("[soak] " + Instant.now() + " " + s);
    }

    private int run() throws Exception {
        Files.createDirectories(options.out());
        if (!Files.isRegularFile(options.cliJar())) {
            System.err.println("soak: no CLI jar " + options.cliJar() + " (mvn package -pl cli -am)");
            return 2;
        }
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String token = HexFormat.of().formatHex(secret);
        log("options: " + options);
        Tally tally = new Tally();
        try (Upstream upstream = new Upstream(options.upstreamMaxBody()); ServerNodes nodes = new ServerNodes(options, token)) {
            nodes.start();
            log("server pid " + nodes.pid() + (nodes.clustered() ? " (sentinel node n1 on port " + nodes.sentinelPort()
                    + "), " + options.nodes() + " nodes behind HAProxy" : "") + " on port " + nodes.tunnelPort()
                    + "; upstream " + upstream.url());
            try (AgentFleet fleet = new AgentFleet(options, token, upstream.url());
                 LibraryRig library = new LibraryRig(nodes.tunnelPort(), token)) {
                fleet.start(nodes.tunnelPort());
                awaitAgents(nodes, fleet, library, "start");
                sample("start", nodes, fleet);
                List<String> targets = new ArrayList<>();
                List<String> cliAgents = new ArrayList<>();
                for (int i = 0; i < fleet.size(); i++) {
                    targets.add(AgentFleet.name(i));
                    cliAgents.add(AgentFleet.name(i));
                }
                targets.add(LibraryRig.LIB_AGENT);
                Callers callers = new Callers(options, tally, library, targets, nodes.ingressPort(), token);
                WsSessions ws = new WsSessions(options, tally, cliAgents, nodes.ingressPort(), token);
                EventSubscribers events = new EventSubscribers(library, nodes.sentinelPort(), token,
                        !nodes.clustered());
                long fill = System.nanoTime();
                events.fillHistory(); // before the load: the history is full, as it stays, by the post-warm-up sample
                log("event history filled in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - fill) + " ms");
                events.start();
                callers.start();
                ws.start(WS_SESSIONS);
                log("warm-up: " + options.warmup().toSeconds() + " s of load");
                Thread.sleep(options.warmup().toMillis()); // the warm-up is a span of time, not a wait for an event
                Samples base = sample("post-warm-up", nodes, fleet);
                Chaos chaos = new Chaos(options, nodes, fleet, library, callers);
                chaos.start();
                long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(options.minutes());
                for (int minute = 1; minute <= options.minutes(); minute++) {
                    long at = end - TimeUnit.MINUTES.toNanos(options.minutes() - minute);
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, at - System.nanoTime())); // the run's clock
                    if (minute < options.minutes()) {
                        sample("minute " + minute, nodes, fleet);
                        log(progress(tally));
                    }
                }
                log("run over: stopping the chaos loop and the callers (calls under way finish, each within "
                        + options.lostAfter().toSeconds() + " s)");
                chaos.stop();
                callers.stop();
                ws.stop();
                if (!nodes.alive()) {
                    failures.add("the server process died");
                }
                awaitAgents(nodes, fleet, library, "end");
                events.stop();
                failures.addAll(events.failures());
                Samples last = sample("end", nodes, fleet);
                String grown = growth(base, last);
                if (!grown.isEmpty()) {
                    // The worker pools are cached pools (60 s keep-alive): threads a burst of concurrent
                    // calls started are still there. A leak stays; a pool shrinks. Look once more after them.
                    log("above the post-warm-up level (" + grown + "); again in " + POOL_SETTLE.toSeconds()
                            + " s, when idle pool threads have ended");
                    Thread.sleep(POOL_SETTLE.toMillis()); // a span of time: the pools' keep-alive
                    grown = growth(base, sample("end + " + POOL_SETTLE.toSeconds() + " s", nodes, fleet));
                }
                if (!grown.isEmpty()) {
                    failures.add("resources grew: " + grown);
                }
                for (String e : chaos.errors()) {
                    failures.add("fault not done: " + e);
                }
                report(tally, chaos, events, token);
            }
        }
        return failures.isEmpty() ? 0 : 1;
    }

    /** The samples of one moment: the server's, the sentinel agent's, and all agents' threads and fds. */
    private record Samples(Resources server, Resources sentinel, Resources agents) {
    }

    private Samples sample(String when, ServerNodes nodes, AgentFleet fleet) throws IOException, InterruptedException {
        Resources server = Resources.of(nodes.pid(), true);
        Resources sentinel = Resources.of(fleet.pid(0), true);
        Resources all = new Resources(-1, 0, 0);
        for (int i = 0; i < fleet.size(); i++) {
            if (fleet.alive(i)) {
                try {
                    all = all.plus(Resources.of(fleet.pid(i), false));
                } catch (IOException e) {
                    // killed between the check and the read by the chaos loop: that agent is not counted
                }
            }
        }
        String line = String.format("| %s | %s | %s | %d / %d |", when, server, sentinel, all.threads(), all.fds());
        resourceLines.add(line);
        log("resources " + line);
        return new Samples(server, sentinel, all);
    }

    private static String growth(Samples base, Samples last) {
        return last.server().growthOver(base.server(), "server") + last.sentinel().growthOver(base.sentinel(), "agent soak-0");
    }

    /** Waits until the server holds every CLI agent and the library's agents are connected. */
    private void awaitAgents(ServerNodes nodes, AgentFleet fleet, LibraryRig library, String when) throws Exception {
        long deadline = System.nanoTime() + CONNECT_BOUND.toNanos();
        List<String> missing;
        do {
            String listing = nodes.connections();
            missing = new ArrayList<>();
            for (int i = 0; i < fleet.size(); i++) {
                if (!listing.contains("\"" + AgentFleet.name(i) + "\"")) {
                    missing.add(AgentFleet.name(i));
                }
            }
            if (!listing.contains("\"" + LibraryRig.LIB_AGENT + "\"") || !library.connected()) {
                missing.add("library agents");
            }
            if (missing.isEmpty()) {
                log("every agent is connected (" + when + ")");
                return;
            }
            Thread.sleep(500); // polling another process's state: GET /connections
        } while (System.nanoTime() < deadline);
        failures.add("agents not connected " + CONNECT_BOUND.toSeconds() + " s after the " + when + ": " + missing);
        log("agents not connected at the " + when + ": " + missing);
    }

    private static String progress(Tally tally) {
        return "calls so far: " + tally.started() + " started, " + tally.count(Tally.Outcome.CORRECT) + " correct, "
                + tally.count(Tally.Outcome.FAILED) + " failed fast, " + tally.count(Tally.Outcome.LOST) + " lost, "
                + tally.count(Tally.Outcome.MISMATCHED) + " mismatched";
    }

    private void report(Tally tally, Chaos chaos, EventSubscribers events, String token) throws IOException {
        long lost = tally.count(Tally.Outcome.LOST);
        long mismatched = tally.count(Tally.Outcome.MISMATCHED);
        if (lost > 0) {
            failures.add(lost + " call(s) lost");
        }
        if (mismatched > 0) {
            failures.add(mismatched + " call(s) mismatched");
        }
        if (tally.recorded() != tally.started()) {
            failures.add((tally.started() - tally.recorded()) + " call(s) started but never classified");
        }
        if (tally.count(Tally.Outcome.CORRECT) == 0) {
            failures.add("no call was answered correctly: the soak proved nothing");
        }
        StringBuilder b = new StringBuilder();
        b.append("## Soak: ").append(options).append("\n\n");
        b.append(tally.table()).append('\n');
        b.append(events.table()).append('\n');
        b.append("Resources (heap = live bytes after a full GC, jcmd GC.class_histogram; threads and fds from /proc):\n\n");
        b.append("| when | server | agent soak-0 (never killed) | all agents: threads / fds |\n| --- | --- | --- | --- |\n");
        resourceLines.forEach(l -> b.append(l).append('\n'));
        b.append("\nFaults (").append(chaos.log().size()).append("):\n\n");
        chaos.log().forEach(l -> b.append("- ").append(l).append('\n'));
        if (!tally.problems().isEmpty()) {
            b.append("\nLost and mismatched calls (first 50):\n\n");
            tally.problems().forEach(l -> b.append("- ").append(l).append('\n'));
        }
        b.append("\nResult: ").append(failures.isEmpty() ? "PASS" : "FAIL: " + String.join("; ", failures)).append('\n');
        String text = b.toString().replace(token, "TOKEN");
        System.out.println(text);
        Files.writeString(options.out().resolve("soak-table.md"), text, StandardCharsets.UTF_8);
    }
}
