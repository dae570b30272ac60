package io.swaggersocket.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A scheduler and a nanosecond clock that move only when a test calls {@link #advance}: tasks run
 * on the test's thread, in due order, with the clock set to each one's due time. Thread-safe (the
 * clock is read by I/O threads); {@code execute} and the {@code Callable} and fixed-delay variants
 * are not supported.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final LongSupplier clock = now::get;
    private final List<Task> tasks = new ArrayList<>();
    private volatile boolean shutdown;

    /** The clock, one instance: give it to {@code ConnectionConfig.Builder.nanoClock}. */
    public LongSupplier clock() {
        return clock;
    }

    public long nanos() {
        return now.get();
    }

    /** Periodic tasks scheduled and not cancelled. */
    public synchronized int periodicTasks() {
        return (int) tasks.stream().filter(t -> t.period > 0 && !t.isCancelled()).count();
    }

    /** Moves the clock by {@code d}, running every task that falls due on the way. */
    public void advance(Duration d) {
        long target = now.get() + d.toNanos();
        for (;;) {
            Task next;
            synchronized (this) {
                tasks.removeIf(Task::isCancelled);
                next = tasks.stream().filter(t -> t.due <= target).min((x, y) -> Long.compare(x.due, y.due)).orElse(null);
                if (next == null) {
                    break;
                }
                long at = next.due;
                if (next.period > 0) {
                    next.due += next.period;
                } else {
                    tasks.remove(next);
                }
                now.set(Math.max(now.get(), at));
            }
            next.command.run();
        }
        now.set(target);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(command, unit.toNanos(delay), 0);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        if (period <= 0) {
            throw new IllegalArgumentException("period: " + period + " is not positive");
        }
        return add(command, unit.toNanos(initialDelay), unit.toNanos(period));
    }

    private synchronized Task add(Runnable command, long delayNanos, long periodNanos) {
        Task t = new Task(command, now.get() + Math.max(0, delayNanos), periodNanos);
        tasks.add(t);
        return t;
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("schedule(Callable)");
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException("scheduleWithFixedDelay");
    }

    @Override
    public void execute(Runnable command) {
        throw new UnsupportedOperationException("execute");
    }

    @Override
    public void shutdown() {
        shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown = true;
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return shutdown;
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable command;
        final long period;
        long due;
        private volatile boolean cancelled;

        Task(Runnable command, long due, long period) {
            this.command = command;
            this.due = due;
            this.period = period;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - now.get(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            cancelled = true;
            return true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            synchronized (ManualScheduler.this) {
                return cancelled || period == 0 && !tasks.contains(this);
            }
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException("get");
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException("get");
        }
    }
}
