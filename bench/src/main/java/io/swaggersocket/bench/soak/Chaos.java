package io.swaggersocket.bench.soak;

import io.swaggersocket.testing.FaultRelay;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chaos loop: every {@link SoakOptions#chaosPeriod} one fault, in turn: kill -9 an agent and
 * start it again; stall an agent's socket both ways (half-open: nothing moves, nothing closes) for
 * {@link SoakOptions#stallFor}, after which the relay cuts that link; cut a link carrying a large
 * body (mid-body); reload the access file (POST and SIGHUP in turn); and, with more than one node,
 * restart and drain a node ({@link ServerNodes}'s hook). Targets are random (seeded). Each fault is
 * logged; one that could not be done is a failure of the soak. Thread-safe.
 */
final class Chaos {
    enum Fault { KILL, STALL, CUT_MID_BODY, RELOAD, RESTART_NODE, DRAIN_NODE }

    private final SoakOptions options;
    private final ServerNodes nodes;
    private final AgentFleet fleet;
    private final LibraryRig library;
    private final Callers callers;
    private final SplittableRandom random;
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(1, Callers.daemon("soak-chaos"));
    private final List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    private final List<FaultRelay.Link> stalled = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger turn = new AtomicInteger();
    private final long t0 = System.nanoTime();

    Chaos(SoakOptions options, ServerNodes nodes, AgentFleet fleet, LibraryRig library, Callers callers) {
        this.options = options;
        this.nodes = nodes;
        this.fleet = fleet;
        this.library = library;
        this.callers = callers;
        this.random = new SplittableRandom(options.seed() + 9000);
    }

    void start() {
        long period = options.chaosPeriod().toMillis();
        timer.scheduleWithFixedDelay(this::next, period, period, TimeUnit.MILLISECONDS);
    }

    /** Stops the loop (a fault under way finishes), then cuts every link still stalled. */
    void stop() throws InterruptedException {
        timer.shutdown();
        if (!timer.awaitTermination(2, TimeUnit.MINUTES)) {
            errors.add("a fault did not finish within 2 minutes of the end");
        }
        synchronized (stalled) {
            stalled.forEach(FaultRelay.Link::cut);
            stalled.clear();
        }
    }

    List<String> log() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    private List<Fault> rotation() {
        List<Fault> faults = new ArrayList<>(options.faults());
        java.util.Collections.sort(faults); // the enum's order: kill, stall, cut, reload, node restart, drain
        return faults;
    }

    private void next() {
        List<Fault> faults = rotation();
        Fault fault = faults.get(turn.getAndIncrement() % faults.size());
        String at = String.format(java.util.Locale.ROOT, "%6.1f s ", (System.nanoTime() - t0) / 1e9);
        try {
            String what = switch (fault) {
                case KILL -> fleet.killAndRestart(1 + random.nextInt(fleet.size() - 1));
                case STALL -> stall();
                case CUT_MID_BODY -> cutMidBody();
                case RELOAD -> nodes.reloadAccess();
                case RESTART_NODE -> nodes.restartNode();
                case DRAIN_NODE -> nodes.drainNode();
            };
            log.add(at + fault + ": " + what);
            System.err.println("[soak] chaos " + at + fault + ": " + what);
        } catch (Exception e) {
            errors.add(at + fault + " could not be done: " + e);
            System.err.println("[soak] chaos " + at + fault + " FAILED: " + e);
        }
    }

    /** The relays faults may hit: every CLI agent's and the library's two. */
    private List<Map.Entry<String, FaultRelay>> relays() {
        List<Map.Entry<String, FaultRelay>> out = new ArrayList<>();
        for (int i = 0; i < fleet.size(); i++) {
            out.add(Map.entry(AgentFleet.name(i), fleet.relay(i)));
        }
        out.addAll(library.relays());
        return out;
    }

    private String stall() {
        List<Map.Entry<String, FaultRelay>> relays = relays();
        Map.Entry<String, FaultRelay> target = relays.get(random.nextInt(relays.size()));
        List<FaultRelay.Link> links = target.getValue().links();
        if (links.isEmpty()) {
            return target.getKey() + ": no open link to stall (reconnecting)";
        }
        links.forEach(FaultRelay.Link::stall);
        stalled.addAll(links);
        timer.schedule(() -> {
            links.forEach(FaultRelay.Link::cut);
            stalled.removeAll(links);
        }, options.stallFor().toMillis(), TimeUnit.MILLISECONDS);
        return target.getKey() + ": " + links.size() + " link(s) stalled both ways for " + options.stallFor().toSeconds()
                + " s, then cut";
    }

    /** Cuts the links of a target with a large body in flight; waits up to 10 s for one, else cuts any. */
    private String cutMidBody() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> carrying = callers.carryingLargeBodies();
        while (carrying.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20); // polling the callers' counters for a large body to cut into
            carrying = callers.carryingLargeBodies();
        }
        String name = carrying.isEmpty() ? AgentFleet.name(random.nextInt(fleet.size()))
                : carrying.get(random.nextInt(carrying.size()));
        for (Map.Entry<String, FaultRelay> e : relays()) {
            if (e.getKey().equals(name)) {
                int n = e.getValue().connections();
                e.getValue().cut();
                return name + ": " + n + " link(s) reset" + (carrying.isEmpty() ? " (no large body was in flight)"
                        : " with a body of >= 1 MiB in flight");
            }
        }
        return name + ": no relay";
    }
}
