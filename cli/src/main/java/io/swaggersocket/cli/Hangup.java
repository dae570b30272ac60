package io.swaggersocket.cli;

/**
 * SIGHUP for the server command: reloads the access file instead of ending the process (the JVM's
 * default). Uses {@code sun.misc.Signal} from the {@code jdk.unsupported} module, the JDK's only
 * way to catch a signal; where it is missing (another JVM, or Windows, which has no SIGHUP) the
 * server runs without it and says so.
 */
final class Hangup {
    private Hangup() {
    }

    /**
     * Runs {@code action} on each SIGHUP, on the JVM's signal thread. Returns a warning to print
     * once the server runs, or {@code null}: SIGHUP cannot be caught here (another JVM, Windows),
     * or it was ignored when the process started (nohup), which the JVM keeps so.
     */
    static String onSignal(Runnable action) {
        try {
            sun.misc.SignalHandler before = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> action.run());
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                return "SIGHUP is ignored in this process (started under nohup?); reload the access file with"
                        + " POST /access/reload";
            }
            return null;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return "SIGHUP cannot be caught here (" + e.getMessage() + "); reload the access file with POST"
                    + " /access/reload";
        }
    }
}
