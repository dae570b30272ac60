package io.swaggersocket.examples.cli;

import java.io.PrintStream;

/**
 * SIGHUP for the server command: reloads the access file instead of ending the process (the JVM's
 * default). Uses {@code sun.misc.Signal} from the {@code jdk.unsupported} module, the JDK's only
 * way to catch a signal; where it is missing (another JVM, or Windows, which has no SIGHUP) the
 * server runs without it and says so.
 */
final class Hangup {
    private Hangup() {
    }

    /** Runs {@code action} on each SIGHUP, on the JVM's signal thread. */
    static void onSignal(Runnable action, PrintStream err) {
        try {
            sun.misc.SignalHandler before = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> action.run());
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                // The JVM keeps a SIGHUP ignored at start-up (nohup) ignored, and says so by this answer.
                err.println("swaggersocket server: SIGHUP is ignored in this process (started under nohup?); reload"
                        + " the access file with POST /access/reload");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            err.println("swaggersocket server: SIGHUP cannot be caught here (" + e.getMessage()
                    + "); reload the access file with POST /access/reload");
        }
    }
}
