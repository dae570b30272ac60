package io.swaggersocket.bench;

import static io.swaggersocket.bench.ChildProcesses.childJvm;
import static io.swaggersocket.bench.ChildProcesses.reply;

import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.ServerLimits;
import io.swaggersocket.server.SocketServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What workloads 1-6 run on: the {@link SocketServer} in the harness's JVM (default config) and one
 * agent JVM ({@link AgentMain}) that serves {@link BenchHandler} directly on Undertow and through the
 * tunnel, answering the harness's commands (CPU, heap) on its stdin/stdout.
 */
final class Rig {
    static final String AGENT = "bench-agent";
    /** Room for workload 6's 10,000 idle agents and the rest. */
    static final int MAX_AGENTS = 20_000;

    private final List<String> notes;
    private SocketServer server;
    private SocketConnection tunnel;
    private Process agent;
    private BufferedReader agentOut;
    private PrintWriter agentIn;
    private int directPort;
    private String ingressStatus = "not tried";

    /** {@code notes}: the harness's table notes, added to when an experiment replaces the defaults. */
    Rig(List<String> notes) {
        this.notes = notes;
    }

    SocketServer server() {
        return server;
    }

    SocketConnection tunnel() {
        return tunnel;
    }

    /** The agent JVM's own Undertow port: the direct baseline. */
    int directPort() {
        return directPort;
    }

    /** Whether the server's ingress is on ("enabled ...") or why not; "not tried" before {@link #start}. */
    String ingressStatus() {
        return ingressStatus;
    }

    void ingressStatus(String status) {
        ingressStatus = status;
    }

    void start() throws Exception {
        startServer();
        startAgent();
    }

    private void startServer() throws Exception {
        SocketServer.Builder builder = SocketServer.builder().bind("127.0.0.1", 0);
        if (ExperimentConfig.isSet()) {
            builder.connectionConfig(ExperimentConfig.config());
            notes.add("EXPERIMENT, not the defaults: " + ExperimentConfig.describe());
        }
        // Workload 6's 10,000 agents all dial from 127.0.0.1 as one (anonymous) principal: the caps
        // of 1,000 connections per source address and per principal, meant for the Internet, would
        // refuse 9,000 of them with 429. Only these two differ from the defaults; the table says so.
        builder.limits(ServerLimits.builder().maxConnectionsPerAddress(MAX_AGENTS)
                .maxConnectionsPerPrincipal(MAX_AGENTS).build());
        notes.add("Harness server (workloads 1-6): ServerLimits maxConnectionsPerAddress and maxConnectionsPerPrincipal "
                + MAX_AGENTS + " (default 1,000: workload 6's agents all come from 127.0.0.1); all else default.");
        enableIngress(builder);
        server = builder.build();
        server.start();
    }

    /**
     * Turns on the ingress if this SocketServer has one: a builder method {@code ingress} taking
     * nothing, a boolean (true) or a String (the prefix "/agents"). Found by reflection so that the
     * harness builds against a server with or without it; probed over HTTP before it is measured.
     */
    private void enableIngress(SocketServer.Builder builder) {
        for (Method m : SocketServer.Builder.class.getMethods()) {
            if (!m.getName().equals("ingress")) {
                continue;
            }
            try {
                Class<?>[] p = m.getParameterTypes();
                if (p.length == 0) {
                    m.invoke(builder);
                } else if (p.length == 1 && (p[0] == boolean.class || p[0] == Boolean.class)) {
                    m.invoke(builder, true);
                } else if (p.length == 1 && p[0] == String.class) {
                    m.invoke(builder, "/agents");
                } else {
                    ingressStatus = "pending: SocketServer.Builder." + m.getName() + " takes " + List.of(p)
                            + "; wire it in Rig.enableIngress";
                    continue;
                }
                ingressStatus = "enabled with SocketServer.Builder." + m.getName();
                return;
            } catch (ReflectiveOperationException e) {
                ingressStatus = "pending: SocketServer.Builder." + m.getName() + " failed: " + e.getCause();
            }
        }
        if (ingressStatus.equals("not tried")) {
            ingressStatus = "pending: SocketServer.Builder has no ingress option yet";
        }
    }

    private void startAgent() throws Exception {
        CompletableFuture<SocketConnection> received = new CompletableFuture<>();
        server.addListener(event -> {
            if (event.type() == ConnectionEvent.Type.RECEIVED && AGENT.equals(event.metadata().path("name").asText())) {
                received.complete(event.connection());
            }
        });
        agent = childJvm(AgentMain.class, System.getProperty("bench.agentJvmOpts", "") + " " + ExperimentConfig.jvmFlags(),
                server.uri().toString(), AGENT);
        agentOut = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
        agentIn = new PrintWriter(agent.getOutputStream(), true);
        String ready = reply(agentOut);
        if (ready == null || !ready.startsWith("READY ")) {
            throw new IOException("agent did not start: " + ready);
        }
        directPort = Integer.parseInt(ready.substring(6).trim());
        tunnel = received.get(30, TimeUnit.SECONDS);
    }

    /** Sends one command to the agent JVM; returns its answer after "OK". */
    String agentCommand(String command) throws IOException {
        agentIn.println(command);
        String reply = reply(agentOut);
        if (reply == null || !reply.startsWith("OK")) {
            throw new IOException("agent answered " + command + " with " + reply);
        }
        return reply.substring(2).trim();
    }

    /** CPU time of this JVM and the agent JVM together, in nanoseconds. */
    long cpuNanosBothJvms() throws IOException {
        return HeapMonitor.processCpuNanos() + Long.parseLong(agentCommand("CPU"));
    }

    void stop() {
        try {
            if (agent != null && agent.isAlive()) {
                agentIn.println("QUIT");
                agent.waitFor(10, TimeUnit.SECONDS);
                agent.destroy();
            }
        } catch (Exception ignored) {
            // best effort
        }
        if (server != null) {
            server.close();
        }
    }
}
