package io.swaggersocket.cli;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How the long-running commands end on SIGTERM or Ctrl-C with status 0, not the JVM's 143 or 130:
 * their shutdown hook drains, then halts with 0. A process that ends on its own (a refusal, a
 * failure) first marks itself {@link #exit exiting}, so that the hook does not turn its status
 * into 0. Thread-safe (one process-wide flag).
 */
final class Shutdown {
    private static final AtomicBoolean EXITING = new AtomicBoolean();

    private Shutdown() {
    }

    /** Ends the process with {@code code}; the hooks then see that it was no signal. */
    static void exit(int code) {
        EXITING.set(true);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /**
     * Adds a hook that runs {@code drain} on a signal and then halts with status 0; on an
     * {@link #exit} it does nothing (main said what the status is). Returns the hook.
     */
    static Thread onSignal(String name, Runnable drain) {
        Thread hook = new Thread(() -> {
            if (EXITING.get()) {
                return;
            }
            drain.run();
            System.out.flush();
            System.err.flush();
            // Halting skips the hooks still running, which is the point: no other hook of ours
            // needs to finish, and System.exit from a hook would block for ever.
            Runtime.getRuntime().halt(Main.OK);
        }, name);
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }
}
