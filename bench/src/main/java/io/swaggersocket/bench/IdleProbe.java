package io.swaggersocket.bench;

import io.swaggersocket.server.ServerLimits;
import io.swaggersocket.server.SocketServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Workload 6 on its own, with the server's per-address and per-principal admission limits raised
 * to the agent count: since those limits (1,000 each by default) came in, {@code bench/run.sh
 * --only 6} registers only 999 of its 10,000 anonymous agents from 127.0.0.1, and its server is
 * built in {@code Bench}. Same measurement as there: the idle agents in a child JVM
 * ({@link IdleAgents}), server heap per connection after a full GC, then the server process's CPU
 * over a window after settling, and the agents' JVM's CPU over the same window. Args: agents,
 * settle seconds, window seconds, and optionally the heartbeat interval and timeout (ms) that the
 * agents propose. Prints one {@code IDLE ...} line.
 */
public final class IdleProbe {
    private IdleProbe() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        int settle = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0)
                .limits(ServerLimits.builder().maxConnectionsPerAddress(count + 100)
                        .maxConnectionsPerPrincipal(count + 100).build())
                .build();
        server.start();
        long heapBefore = HeapMonitor.fullGcUsed();
        java.util.List<String> agentArgs = new java.util.ArrayList<>(java.util.List.of(server.uri().toString(),
                Integer.toString(count)));
        if (args.length > 4) { // the agents propose this heartbeat; the smaller of both proposals is used
            agentArgs.add(args[3]);
            agentArgs.add(args[4]);
        }
        Process idle = ChildProcesses.childJvm(IdleAgents.class, "-Xmx3g " + System.getProperty("bench.idleJvmOpts", ""),
                agentArgs.toArray(String[]::new));
        try {
            BufferedReader idleOut = new BufferedReader(new InputStreamReader(idle.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter idleIn = new PrintWriter(idle.getOutputStream(), true);
            String connected = ChildProcesses.reply(idleOut);
            if (connected == null || !connected.startsWith("CONNECTED ")) {
                throw new IllegalStateException("idle agents did not connect: " + connected);
            }
            int ok = Integer.parseInt(connected.split(" ")[1]);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server.activeConnections().size() < ok && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            int registered = server.activeConnections().size();
            Thread.sleep(2000);
            double perConn = (HeapMonitor.fullGcUsed() - heapBefore) / (double) registered;
            Thread.sleep(settle * 1000L);
            long cpu0 = HeapMonitor.processCpuNanos();
            long agents0 = ChildProcesses.cpuTicks(idle.pid());
            long t0 = System.nanoTime();
            long startMillis = System.currentTimeMillis(); // to cut a profile to the window
            Thread.sleep(seconds * 1000L);
            long cpu = HeapMonitor.processCpuNanos() - cpu0;
            double agentsCpu = (ChildProcesses.cpuTicks(idle.pid()) - agents0) / (double) ChildProcesses.clockTicks();
            double wall = (System.nanoTime() - t0) / 1e9;
            idleIn.println("ALIVE");
            String alive = ChildProcesses.reply(idleOut);
            System.out.println(String.format(Locale.ROOT, "IDLE registered=%d open=%d agentsSay=%s heapPerConn=%.0f B"
                    + " serverCpu=%.2f s in %.1f s = %.2f%% of a core; agentsCpu=%.2f s = %.2f%%", registered,
                    server.activeConnections().size(), alive, perConn, cpu / 1e9, wall, cpu / 1e9 / wall * 100,
                    agentsCpu, agentsCpu / wall * 100));
            System.out.println("WINDOW " + startMillis + " " + System.currentTimeMillis());
            idleIn.println("QUIT");
        } finally {
            ChildProcesses.stop(idle);
            server.close();
        }
    }
}
