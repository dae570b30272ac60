package io.swaggersocket.mux;

import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.Settings;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The heartbeat of one connection (PROTOCOL.md section 8): pings the peer after silence and closes
 * the connection with 4005 once nothing has come for {@code heartbeatTimeoutMillis}. The dialer
 * pings after {@code heartbeatIntervalMillis} of silence; the acceptor waits until halfway between
 * the interval and the timeout, so that while the dialer's pings flow (each one is traffic) the
 * acceptor, which may hold thousands of connections, only answers them. At most one ping per
 * interval either way.
 *
 * <p>Checked by a shared {@link HeartbeatWheel}, not a task of its own. {@link #received()} is
 * called by the channel's thread for every message and takes no lock; {@link #check} runs on the
 * scheduler and takes the connection's lock only to queue a ping. The wheel's fields
 * ({@code next}, {@code prev}, {@code slot}, {@code dueTick}, {@code linked}, {@code stopped}) are
 * guarded by the wheel.
 */
final class Heartbeat {
    private final String id;
    private final Settings settings;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier clock;
    private final ReentrantLock lock;
    private final FrameWriter writer;
    private final Lifecycle lifecycle;
    private final long intervalNanos;
    private final long timeoutNanos;
    /** Silence after which this side pings: the interval for the dialer, later for the acceptor. */
    private final long pingAfterNanos;

    private volatile long lastReceivedNanos;
    /** Guarded by the lock. */
    private long lastPingNanos;
    /** Guarded by the lock: set once by {@link #start()}. */
    private HeartbeatWheel wheel;

    // The wheel's links; guarded by the wheel.
    Heartbeat next;
    Heartbeat prev;
    int slot;
    long dueTick;
    boolean linked;
    boolean stopped;

    Heartbeat(String id, Settings settings, boolean dialer, ScheduledExecutorService scheduler, LongSupplier clock,
            ReentrantLock lock, FrameWriter writer, Lifecycle lifecycle) {
        this.id = id;
        this.settings = settings;
        this.scheduler = scheduler;
        this.clock = clock;
        this.lock = lock;
        this.writer = writer;
        this.lifecycle = lifecycle;
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(settings.heartbeatIntervalMillis());
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(settings.heartbeatTimeoutMillis());
        this.pingAfterNanos = pingAfterNanos(dialer, intervalNanos, timeoutNanos);
        long now = clock.getAsLong();
        this.lastReceivedNanos = now;
        this.lastPingNanos = now - intervalNanos; // no ping sent yet: the first may go as soon as it is due
    }

    /** When a side pings: the dialer after the interval, the acceptor halfway from there to the timeout. */
    static long pingAfterNanos(boolean dialer, long intervalNanos, long timeoutNanos) {
        return dialer ? intervalNanos : intervalNanos + (timeoutNanos - intervalNanos) / 2;
    }

    /**
     * The wheel's granularity for these settings: a tenth of the interval, at most one second. A
     * dead peer is found at most one tick after the timeout.
     */
    static long tickNanos(Settings settings) {
        long millis = Math.max(1, Math.min(1000, settings.heartbeatIntervalMillis() / 10));
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** Starts checking, once the connection is established. */
    void start() {
        lock.lock();
        try {
            if (lifecycle.closedCause() == null && wheel == null) {
                wheel = HeartbeatWheel.join(this, scheduler, clock, tickNanos(settings),
                        lastReceivedNanos + pingAfterNanos);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: the connection closed, stop checking. */
    void stop() {
        if (wheel != null) {
            wheel.leave(this);
        }
    }

    /** Something came from the peer: it is alive. */
    void received() {
        lastReceivedNanos = clock.getAsLong();
    }

    /**
     * Called by the wheel when this heartbeat is due: closes a silent connection, pings when due,
     * and returns when to check again.
     */
    long check(long now) {
        long last = lastReceivedNanos;
        long silent = now - last;
        if (silent >= timeoutNanos) {
            long silentMillis = TimeUnit.NANOSECONDS.toMillis(silent);
            lifecycle.closeWith(new SocketClosedException(CloseCode.HEARTBEAT_TIMEOUT.code(), "connection " + id
                    + ": the peer is dead: nothing received for " + silentMillis + " ms (heartbeat timeout "
                    + settings.heartbeatTimeoutMillis() + " ms)"), CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout", true);
            return now + timeoutNanos; // stopped by the close; never checked again
        }
        boolean ping = false;
        long lastPing;
        lock.lock();
        try {
            if (lifecycle.closedCause() == null && silent >= pingAfterNanos && now - lastPingNanos >= intervalNanos) {
                lastPingNanos = now;
                writer.enqueuePing(ByteBuffer.allocate(8).putLong(now).flip());
                ping = true;
            }
            lastPing = lastPingNanos;
        } finally {
            lock.unlock();
        }
        if (ping) {
            writer.flush();
        }
        // Next: the next ping (after silence, and an interval after the last ping) or the deadline.
        long nextPing = Math.max(last + pingAfterNanos, lastPing + intervalNanos);
        return Math.min(nextPing, last + timeoutNanos);
    }
}
