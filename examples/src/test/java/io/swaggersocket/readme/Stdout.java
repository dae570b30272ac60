package io.swaggersocket.readme;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records what the snippets print to {@code System.out} (passing it on too) so a test can wait,
 * bounded, for a line; put back on close. Surefire runs test classes one at a time here, so the
 * swap of the global stream sees only this class's output.
 */
final class Stdout implements AutoCloseable {
    private final PrintStream original = System.out;
    private final StringBuilder text = new StringBuilder(); // guarded by itself

    Stdout() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (text) {
                    text.append(new String(b, off, len, StandardCharsets.UTF_8));
                    text.notifyAll();
                }
            }
        };
        System.setOut(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    /** Waits at most {@code timeout} for a line matching the regular expression {@code line}. */
    Matcher await(String line, Duration timeout) throws InterruptedException, TimeoutException {
        return await(Pattern.compile(line), timeout);
    }

    /** Waits at most {@code timeout} for a line matching {@code line}; returns its match. */
    Matcher await(Pattern line, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (text) {
            while (true) {
                Matcher m = Pattern.compile("(?m)^" + line.pattern() + "\\r?$").matcher(text);
                if (m.find()) {
                    return m;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("expected a line matching " + line + " but the output was:\n" + text);
                }
                text.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    @Override
    public void close() {
        System.setOut(original);
    }
}
