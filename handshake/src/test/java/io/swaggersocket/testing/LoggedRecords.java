package io.swaggersocket.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Thread-safe: takes the records of one java.util.logging logger (where {@code System.Logger}
 * writes by default) while open, instead of printing them, so a test that provokes an expected
 * failure can assert that it was logged and leave no stack trace in the build's output that looks
 * like a failure. Everything is put back on close.
 */
public final class LoggedRecords extends Handler implements AutoCloseable {
    private final Logger logger;
    private final Level level;
    private final boolean useParent;
    private final List<LogRecord> records = new ArrayList<>(); // guarded by itself

    private LoggedRecords(String name) {
        logger = Logger.getLogger(name);
        level = logger.getLevel();
        useParent = logger.getUseParentHandlers();
        logger.setUseParentHandlers(false);
        logger.addHandler(this);
    }

    /** Starts taking the records of the logger {@code name} (a class name, for System.Logger). */
    public static LoggedRecords of(String name) {
        return new LoggedRecords(name);
    }

    /** Waits at most {@code timeout} for a record matching {@code match} and returns it. */
    public LogRecord await(Predicate<LogRecord> match, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (records) {
            while (true) {
                for (LogRecord r : records) {
                    if (match.test(r)) {
                        return r;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    List<String> seen = new ArrayList<>();
                    records.forEach(r -> seen.add(r.getLevel() + " " + r.getMessage()));
                    throw new TimeoutException("expected a matching record of " + logger.getName() + " but got " + seen);
                }
                records.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** A record at {@code level} whose thrown exception's message is {@code thrownMessage}. */
    public static Predicate<LogRecord> thrown(Level level, String thrownMessage) {
        return r -> r.getLevel().equals(level) && r.getThrown() != null
                && thrownMessage.equals(r.getThrown().getMessage());
    }

    @Override
    public void publish(LogRecord record) {
        synchronized (records) {
            records.add(record);
            records.notifyAll();
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
        logger.setUseParentHandlers(useParent);
        logger.setLevel(level);
    }
}
