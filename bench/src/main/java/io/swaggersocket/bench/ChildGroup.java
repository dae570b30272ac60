package io.swaggersocket.bench;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The child processes one workload started, so that none outlives the harness. Thread-safe. */
final class ChildGroup {
    private final List<Process> children = new CopyOnWriteArrayList<>();

    /** Keeps {@code p} until it is stopped. */
    Process add(Process p) {
        children.add(p);
        return p;
    }

    /** Ends one child: SIGTERM (a graceful close), up to 40 s, then SIGKILL. */
    void stop(Process p) {
        try {
            ChildProcesses.stop(p);
        } finally {
            children.remove(p);
        }
    }

    /** Stops the children still running (SIGTERM, then SIGKILL after 40 s each). */
    void stopAll() {
        for (Process p : children) {
            stop(p);
        }
    }

    /** Kills the children still running, at once: for a shutdown hook. */
    void destroyAll() {
        children.forEach(Process::destroyForcibly);
    }
}
