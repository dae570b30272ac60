package io.swaggersocket.mux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One timer for the heartbeats of every connection that shares a scheduler, a clock and a tick:
 * a hashed wheel of {@value #SLOTS} slots, each a list of the heartbeats due in that tick, swept by
 * one periodic task. Ten thousand idle connections cost one wake-up per tick (one second with the
 * default settings) and one check per connection per ping interval, where a fixed-rate task per
 * connection, run every half interval, woke the scheduler 2,000 times a second.
 *
 * <p>A heartbeat is due at most one tick late: that tick is part of the detection bound that
 * PROTOCOL.md section 8 states. The wheel holds only heartbeats that are started and not stopped;
 * once the last one stops, its task is cancelled and it leaves the registry, so nothing runs for a
 * scheduler without connections.
 *
 * <p>Thread-safe. Lock order: a connection's lock, then {@link #REGISTRY}, then a wheel's
 * monitor; the sweep calls {@link Heartbeat#check} holding neither of the last two.
 */
final class HeartbeatWheel {
    static final int SLOTS = 64;
    private static final Object REGISTRY = new Object();
    /** Guarded by {@link #REGISTRY}. */
    private static final Map<Key, HeartbeatWheel> WHEELS = new HashMap<>();

    /** Schedulers and clocks compare by identity: neither kind overrides equals. */
    private record Key(ScheduledExecutorService scheduler, LongSupplier clock, long tickNanos) {
    }

    private final Key key;
    /**
     * When sweep 0 runs: tick {@code k} is the sweep at {@code origin + k * tick}, so an entry due
     * at {@code t} is checked in {@code [t, t + tick)} whatever the phase of the scheduler.
     */
    private final long origin;
    /** Heads of the slots' lists, linked through {@link Heartbeat#next} and {@link Heartbeat#prev}. */
    private final Heartbeat[] slots = new Heartbeat[SLOTS];
    /** The last tick swept; guarded by this. */
    private long sweptTick;
    /** Started and not stopped heartbeats, linked or being checked; guarded by {@link #REGISTRY}. */
    private int members;
    private ScheduledFuture<?> task;

    private HeartbeatWheel(Key key) {
        this.key = key;
        this.origin = key.clock.getAsLong() + key.tickNanos;
        this.sweptTick = -1;
    }

    /** Enrols {@code heartbeat}, due at {@code dueNanos}, in the wheel for its scheduler, clock and tick. */
    static HeartbeatWheel join(Heartbeat heartbeat, ScheduledExecutorService scheduler, LongSupplier clock,
            long tickNanos, long dueNanos) {
        synchronized (REGISTRY) {
            HeartbeatWheel wheel = WHEELS.computeIfAbsent(new Key(scheduler, clock, tickNanos), HeartbeatWheel::new);
            wheel.members++;
            synchronized (wheel) {
                wheel.link(heartbeat, dueNanos);
            }
            if (wheel.task == null || wheel.task.isDone()) {
                // First member, or the scheduler dropped the task (shut down): a shut-down scheduler
                // refuses here, as it would have refused a task of the connection's own.
                wheel.task = scheduler.scheduleAtFixedRate(wheel::sweep, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
            }
            return wheel;
        }
    }

    /** Takes {@code heartbeat} out for good; the last one out stops the wheel. Idempotent. */
    void leave(Heartbeat heartbeat) {
        synchronized (REGISTRY) {
            synchronized (this) {
                if (heartbeat.stopped) {
                    return;
                }
                heartbeat.stopped = true;
                if (heartbeat.linked) {
                    unlink(heartbeat);
                }
            }
            if (--members == 0) {
                if (task != null) {
                    task.cancel(false);
                }
                WHEELS.remove(key);
            }
        }
    }

    /** Wheels running now, for tests: each has one periodic task. */
    static int wheelCount() {
        synchronized (REGISTRY) {
            return WHEELS.size();
        }
    }

    /**
     * Checks every heartbeat whose tick has come, then puts each back at the time it asks for. Runs
     * on the scheduler, one sweep at a time (a fixed-rate task never overlaps itself).
     */
    void sweep() {
        long now = key.clock.getAsLong();
        long nowTick = Math.floorDiv(now - origin, key.tickNanos);
        List<Heartbeat> due = new ArrayList<>();
        synchronized (this) {
            // A late sweep (a busy scheduler) visits every slot it skipped, at most one turn.
            long from = Math.max(sweptTick + 1, nowTick - SLOTS + 1);
            for (long t = from; t <= nowTick; t++) {
                int slot = (int) (t & (SLOTS - 1));
                for (Heartbeat h = slots[slot], next; h != null; h = next) {
                    next = h.next;
                    if (h.dueTick <= nowTick) {
                        unlink(h);
                        due.add(h);
                    }
                }
            }
            sweptTick = Math.max(sweptTick, nowTick);
        }
        for (Heartbeat h : due) {
            long next;
            try {
                next = h.check(now);
            } catch (RuntimeException e) {
                next = now + key.tickNanos; // never lose a connection's heartbeat to one failed check
                System.getLogger(HeartbeatWheel.class.getName()).log(System.Logger.Level.WARNING,
                        "heartbeat check failed", e);
            }
            synchronized (this) {
                if (!h.stopped) {
                    link(h, next);
                }
            }
        }
    }

    /** Holding this: puts {@code h} in the slot of the first tick at or after {@code dueNanos}. */
    private void link(Heartbeat h, long dueNanos) {
        long tick = Math.max(-Math.floorDiv(origin - dueNanos, key.tickNanos), sweptTick + 1); // ceiling
        int slot = (int) (tick & (SLOTS - 1));
        h.dueTick = tick;
        h.prev = null;
        h.next = slots[slot];
        if (h.next != null) {
            h.next.prev = h;
        }
        slots[slot] = h;
        h.slot = slot;
        h.linked = true;
    }

    private void unlink(Heartbeat h) {
        if (h.prev != null) {
            h.prev.next = h.next;
        } else {
            slots[h.slot] = h.next;
        }
        if (h.next != null) {
            h.next.prev = h.prev;
        }
        h.prev = null;
        h.next = null;
        h.linked = false;
    }
}
