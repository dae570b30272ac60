package io.swaggersocket.mux;

import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.Settings;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The heartbeat of one connection (PROTOCOL.md section 8): pings the peer after
 * {@code heartbeatIntervalMillis} of silence and closes the connection with 4005 once nothing has
 * come for {@code heartbeatTimeoutMillis}.
 *
 * <p>{@link #received()} is called by the channel's thread for every message and takes no lock;
 * the rest runs on the scheduler and takes the connection's lock only to queue a ping.
 */
final class Heartbeat {
    private final String id;
    private final Settings settings;
    private final ScheduledExecutorService scheduler;
    private final ReentrantLock lock;
    private final FrameWriter writer;
    private final Lifecycle lifecycle;

    private volatile long lastReceivedNanos = System.nanoTime();
    /** Guarded by the lock. */
    private long lastPingNanos = System.nanoTime();
    /** Guarded by the lock. */
    private ScheduledFuture<?> task;

    Heartbeat(String id, Settings settings, ScheduledExecutorService scheduler, ReentrantLock lock, FrameWriter writer,
            Lifecycle lifecycle) {
        this.id = id;
        this.settings = settings;
        this.scheduler = scheduler;
        this.lock = lock;
        this.writer = writer;
        this.lifecycle = lifecycle;
    }

    /** Starts checking, every half interval, once the connection is established. */
    void start() {
        long period = Math.max(1, settings.heartbeatIntervalMillis() / 2);
        lock.lock();
        try {
            if (lifecycle.closedCause() == null) {
                task = scheduler.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: the connection closed, stop checking. */
    void stop() {
        if (task != null) {
            task.cancel(false);
        }
    }

    /** Something came from the peer: it is alive. */
    void received() {
        lastReceivedNanos = System.nanoTime();
    }

    private void tick() {
        long now = System.nanoTime();
        long silentMillis = TimeUnit.NANOSECONDS.toMillis(now - lastReceivedNanos);
        if (silentMillis >= settings.heartbeatTimeoutMillis()) {
            lifecycle.closeWith(new SocketClosedException(CloseCode.HEARTBEAT_TIMEOUT.code(), "connection " + id
                    + ": the peer is dead: nothing received for " + silentMillis + " ms (heartbeat timeout "
                    + settings.heartbeatTimeoutMillis() + " ms)"), CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout", true);
            return;
        }
        long interval = TimeUnit.MILLISECONDS.toNanos(settings.heartbeatIntervalMillis());
        lock.lock();
        try {
            if (lifecycle.closedCause() != null || silentMillis < settings.heartbeatIntervalMillis()
                    || now - lastPingNanos < interval) {
                return;
            }
            lastPingNanos = now;
            writer.enqueuePing(ByteBuffer.allocate(8).putLong(now).flip());
        } finally {
            lock.unlock();
        }
        writer.flush();
    }
}
