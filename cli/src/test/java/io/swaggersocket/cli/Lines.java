package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A PrintStream for a command's output that keeps its lines, and lets a test wait for the next one that matches. */
final class Lines {
    private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();
    private final List<String> all = new CopyOnWriteArrayList<>();
    final PrintStream stream = new PrintStream(new OutputStream() {
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                line.reset();
                all.add(text);
                unread.add(text);
            } else {
                line.write(b);
            }
        }
    }, true, StandardCharsets.UTF_8);

    /** Skips lines until one matches; fails the test if none comes within 20 s. */
    String await(Predicate<String> match, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            String line = unread.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertNotNull(line, "expected a line " + what + " within 20 s; the output was " + all);
            if (match.test(line)) {
                return line;
            }
        }
    }

    String awaitStartingWith(String prefix) throws InterruptedException {
        return await(l -> l.startsWith(prefix), "starting with \"" + prefix + "\"");
    }

    /** Every line so far. */
    List<String> all() {
        return List.copyOf(all);
    }

    String text() {
        return String.join("\n", all);
    }
}
