package io.swaggersocket.bench.soak;

import io.swaggersocket.testing.FaultRelay;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code swaggersocket agent --forward} processes, {@code soak-0} to {@code soak-N-1}, each dialing
 * the server through a {@link FaultRelay} of its own so that one agent's socket can be stalled or cut.
 * Agent 0 is the sentinel: never killed (it may be stalled or cut), so its heap, threads and file
 * descriptors at the end can be compared with those after the warm-up. Thread-safe.
 */
final class AgentFleet implements AutoCloseable {
    private final SoakOptions options;
    private final String token;
    private final String upstream;
    private final List<FaultRelay> relays = new ArrayList<>();
    private final Process[] processes;

    AgentFleet(SoakOptions options, String token, String upstream) {
        this.options = options;
        this.token = token;
        this.upstream = upstream;
        this.processes = new Process[options.agents()];
    }

    static String name(int i) {
        return "soak-" + i;
    }

    int size() {
        return processes.length;
    }

    void start(int serverPort) throws IOException {
        for (int i = 0; i < processes.length; i++) {
            relays.add(new FaultRelay(serverPort));
            launch(i);
        }
    }

    private synchronized void launch(int i) throws IOException {
        processes[i] = Cli.start(options.cliJar(),
                System.getenv().getOrDefault("SOAK_AGENT_JVM_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"),
                args(i),
                token, options.out().resolve(name(i) + ".log"), line -> { });
    }

    /** The agent's command line; SOAK_AGENT_ARGS adds options (e.g. {@code --log-level debug}). */
    private List<String> args(int i) {
        List<String> args = new ArrayList<>(List.of("agent", "--server", "ws://127.0.0.1:" + relays.get(i).port() + "/tunnel/" + name(i),
                "--name", name(i), "--forward", upstream));
        for (String a : System.getenv().getOrDefault("SOAK_AGENT_ARGS", "").trim().split("\\s+")) {
            if (!a.isEmpty()) {
                args.add(a);
            }
        }
        return args;
    }

    /** kill -9 agent {@code i} and start it again at once; returns the old and new pids. */
    String killAndRestart(int i) throws IOException, InterruptedException {
        if (i == 0) {
            throw new IllegalArgumentException("agent 0 is the sentinel: never killed");
        }
        Process old;
        synchronized (this) {
            old = processes[i];
        }
        Cli.kill9(old);
        launch(i);
        return name(i) + " pid " + old.pid() + " killed, restarted as pid " + pid(i);
    }

    synchronized long pid(int i) {
        return processes[i].pid();
    }

    synchronized boolean alive(int i) {
        return processes[i].isAlive();
    }

    FaultRelay relay(int i) {
        return relays.get(i);
    }

    @Override
    public void close() throws InterruptedException {
        for (int i = 0; i < processes.length; i++) {
            Process p;
            synchronized (this) {
                p = processes[i];
            }
            if (p != null) {
                p.destroy(); // SIGTERM all at once, then wait: one by one would take 20 drains in a row
            }
        }
        for (int i = 0; i < processes.length; i++) {
            Process p;
            synchronized (this) {
                p = processes[i];
            }
            if (p != null) {
                Cli.stop(p);
            }
        }
        for (FaultRelay r : relays) {
            try {
                r.close();
            } catch (IOException ignored) {
                // the soak is over
            }
        }
    }
}
