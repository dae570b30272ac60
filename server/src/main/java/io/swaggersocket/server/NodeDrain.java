package io.swaggersocket.server;

import io.swaggersocket.mux.SocketConnection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A server's drain: once begun, new tunnels are refused (503) and {@code /healthz} says draining;
 * after the handoff (time for the balancers' health checks to see it), this node's directory
 * entries are released, and {@link #SETTLE} later every agent connection gets GOAWAY, so that its
 * agent dials again (through the balancer, another node) while its calls in flight finish;
 * {@link #drained()} completes when the last agent connection is gone. Ingress calls go on
 * meanwhile. Thread-safe; listens to the server's connection events to see the last one leave.
 *
 * <p>Why release before GOAWAY: a call another node forwards here must find its agent; once the
 * entries are gone, new calls wait for the agent's new node instead (see {@link ClusterRouting}),
 * and {@code SETTLE} lets forwards already on their way arrive while the agent still serves.
 */
final class NodeDrain implements ConnectionListener {
    private static final System.Logger LOG = System.getLogger(NodeDrain.class.getName());

    /** Between the release of the directory entries and GOAWAY. */
    static final Duration SETTLE = Duration.ofMillis(200);

    private final IntSupplier liveConnections;
    private final AgentDirectory directory;
    private final ScheduledExecutorService scheduler;
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile boolean on;

    NodeDrain(IntSupplier liveConnections, AgentDirectory directory, ScheduledExecutorService scheduler) {
        this.liveConnections = liveConnections;
        this.directory = directory;
        this.scheduler = scheduler;
    }

    /** True once begun: the server refuses new tunnels and reports itself draining. */
    boolean on() {
        return on;
    }

    /**
     * Marks the drain begun; true the first time. Called holding the server's lock, so that a
     * handshake finishing meanwhile is either refused or in the registry's snapshot taken after.
     */
    boolean mark() {
        if (on) {
            return false;
        }
        on = true;
        return true;
    }

    /**
     * After {@code handoff}: releases the directory entries of the connections {@code live} gives
     * then, and {@link #SETTLE} later sends them GOAWAY. Returns at once.
     */
    void schedule(Object server, Duration handoff, Supplier<List<SocketConnection>> live) {
        LOG.log(System.Logger.Level.INFO, "{0}: draining: agents get GOAWAY in {1}", server, handoff);
        Runnable release = () -> {
            List<SocketConnection> now = live.get();
            for (SocketConnection c : now) {
                String name = AgentPool.nameOf(c);
                if (name != null) {
                    directory.handOff(name, c.id());
                }
            }
            after(directory.clustered() ? SETTLE : Duration.ZERO, () -> goAway(server, now));
        };
        after(handoff, release);
    }

    private void after(Duration delay, Runnable task) {
        if (delay.isZero()) {
            task.run();
            return;
        }
        try {
            scheduler.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) { // the scheduler is shut down: the server is closing anyway
            task.run();
        }
    }

    private void goAway(Object server, List<SocketConnection> live) {
        LOG.log(System.Logger.Level.INFO, "{0}: draining: GOAWAY to {1} agent connections", server,
                String.valueOf(live.size()));
        live.forEach(SocketConnection::shutdown);
        check();
    }

    /** Completes once the drain has begun and no agent connection is left. */
    CompletionStage<Void> drained() {
        return drained.minimalCompletionStage();
    }

    @Override
    public void onEvent(ConnectionEvent event) {
        if (on && event.type() != ConnectionEvent.Type.RECEIVED) {
            check();
        }
    }

    private void check() {
        if (liveConnections.getAsInt() == 0) {
            drained.complete(null);
        }
    }
}
