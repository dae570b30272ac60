package io.swaggersocket.bench;

import static io.swaggersocket.bench.Bench.log;
import static io.swaggersocket.bench.ChildProcesses.childJvm;
import static io.swaggersocket.bench.ChildProcesses.reply;
import static io.swaggersocket.bench.Table.below;
import static io.swaggersocket.bench.Table.fmt0;
import static io.swaggersocket.bench.Table.fmt1;
import static io.swaggersocket.bench.Table.row;

import io.swaggersocket.server.SocketServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Workload 6: 10,000 idle agents ({@link IdleAgents}, a JVM of their own) on the harness's server:
 * server heap per connection (target < 16 KiB) and the server's CPU while they only heartbeat
 * (target < 3 % of one core with the default settings).
 */
final class IdleWorkload {
    static final double MAX_HEAP_KIB = 16;
    static final double MAX_CPU_PERCENT = 3;

    private final Rig rig;
    private final Settings settings;

    IdleWorkload(Rig rig, Settings settings) {
        this.rig = rig;
        this.settings = settings;
    }

    void run() throws Exception {
        int count = 10_000;
        int seconds = settings.quick() ? 15 : 60;
        log("workload 6: " + count + " idle agents, CPU over " + seconds + " s");
        idleRun(count, seconds, null, "default heartbeat (the agents ping after 15 s of silence, dead after 28 s)");
        if (!settings.quick()) {
            // 1 s / 3 s loses most of 10,000 connections here: 20,000 ticks and 10,000 pings a second on
            // the agents' one timer thread while they are still connecting. Twice the default rate:
            idleRun(count, seconds, new long[] {5000, 15000}, "short heartbeat (5 s / 15 s, proposed by the agents)");
        }
    }

    /** {@code heartbeat}: {ping after ms, dead after ms} the agents propose, or null for the defaults (the target). */
    private void idleRun(int count, int seconds, long[] heartbeat, String label) throws Exception {
        settings.waitForQuiet();
        SocketServer server = rig.server();
        int before = server.activeConnections().size();
        long heapBefore = HeapMonitor.fullGcUsed();
        List<String> args = new ArrayList<>(List.of(server.uri().toString(), Integer.toString(count)));
        if (heartbeat != null) {
            args.add(Long.toString(heartbeat[0]));
            args.add(Long.toString(heartbeat[1]));
        }
        Process idle = childJvm(IdleAgents.class, "-Xmx3g " + System.getProperty("bench.idleJvmOpts", ""),
                args.toArray(String[]::new));
        BufferedReader idleOut = new BufferedReader(new InputStreamReader(idle.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter idleIn = new PrintWriter(idle.getOutputStream(), true);
        try {
            String connected = reply(idleOut);
            if (connected == null || !connected.startsWith("CONNECTED ")) {
                throw new IOException("idle agents did not connect: " + connected);
            }
            String[] parts = connected.split(" ");
            int ok = Integer.parseInt(parts[1]);
            log("  " + ok + " agents connected in " + parts[2] + " ms");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.activeConnections().size() < before + ok && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            int registered = server.activeConnections().size() - before;
            Thread.sleep(2000);
            long heapAfter = HeapMonitor.fullGcUsed();
            double perConn = (heapAfter - heapBefore) / (double) registered;
            // Settle first: the first wave of pings (10 s after the connects) makes the JIT compile
            // the heartbeat path, which is start-up cost, not the steady cost being measured.
            Thread.sleep(settleSeconds() * 1000L);
            long cpu0 = HeapMonitor.processCpuNanos();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long cpu = HeapMonitor.processCpuNanos() - cpu0;
            double wall = (System.nanoTime() - t0) / 1e9;
            idleIn.println("ALIVE");
            String alive = reply(idleOut);
            int stillOpen = server.activeConnections().size() - before;
            if (registered < count * 0.99 || stillOpen < registered * 0.99) {
                settings.notes().add("Workload 6 (" + label + "): only " + registered + " of " + count
                        + " agents registered and " + stillOpen + " were still open at the end.");
            }
            log(String.format(Locale.ROOT, "  %d registered, %.0f bytes each; CPU %.2f s in %.0f s; %s open at the end"
                    + " (agents say %s)", registered, perConn, cpu / 1e9, wall, stillOpen, alive));
            double percent = cpu / 1e9 / wall * 100;
            // the targets hold for the default settings; the other heartbeat is shown for comparison
            boolean target = heartbeat == null;
            settings.rows().add(row("6", registered + " idle agents, " + label + ": server heap per connection after GC",
                    "-", fmt1(perConn / 1024) + " KiB", "", target ? below(perConn / 1024, MAX_HEAP_KIB, " KiB") : "", ""));
            settings.rows().add(row("6", "  same, server process CPU over " + fmt0(wall) + " s after " + settleSeconds()
                    + " s settling (all threads)", "-",
                    String.format(Locale.ROOT, "%.2f s (%.1f%% of a core)", cpu / 1e9, percent),
                    "", target ? below(percent, MAX_CPU_PERCENT, " % of a core") : "", stillOpen + " still open"));
        } finally {
            idleIn.println("QUIT");
            idle.waitFor(20, TimeUnit.SECONDS);
            idle.destroyForcibly();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.activeConnections().size() > before && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }
    }

    private int settleSeconds() {
        return settings.quick() ? 10 : 25;
    }
}
