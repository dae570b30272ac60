package io.swaggersocket.bench;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.undertow.UndertowChannel;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.websockets.client.WebSocketClient;
import io.undertow.websockets.core.WebSocketChannel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioWorker;

/**
 * Many idle agents in one JVM: each is a real {@link SocketConnection} (dialing handshake,
 * heartbeats, pongs) over an {@link UndertowChannel}, but all share one XNIO worker with two I/O
 * threads and one buffer pool, where a {@code SocketClient} would start a worker per agent. Args:
 * the server's ws URI, the number of agents, and optionally the heartbeat interval and timeout in
 * ms. Prints {@code CONNECTED n ms} once all are up, then waits for {@code QUIT} on stdin.
 */
public final class IdleAgents {
    /** Below the server's default per-address limit of 1,000, with room for the other workloads' agents. */
    private static final int AGENTS_PER_ADDRESS = 900;

    public static void main(String[] args) throws Exception {
        URI uri = URI.create(args[0]);
        int count = Integer.parseInt(args[1]);
        ConnectionConfig.Builder cb = ConnectionConfig.builder();
        if (args.length > 3) {
            cb.heartbeat(Duration.ofMillis(Long.parseLong(args[2])), Duration.ofMillis(Long.parseLong(args[3])));
        }
        ConnectionConfig config = cb.build();
        XnioWorker worker = Xnio.getInstance(IdleAgents.class.getClassLoader()).createWorker(OptionMap.builder()
                .set(Options.WORKER_NAME, "idle-agents")
                .set(Options.WORKER_IO_THREADS, 2)
                .set(Options.WORKER_TASK_CORE_THREADS, 2)
                .set(Options.WORKER_TASK_MAX_THREADS, 2)
                .set(Options.THREAD_DAEMON, true)
                .set(Options.TCP_NODELAY, true)
                .getMap());
        DefaultByteBufferPool pool = new DefaultByteBufferPool(true, 16 * 1024);
        Semaphore inFlight = new Semaphore(200);
        List<CompletableFuture<SocketConnection>> all = new ArrayList<>(count);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        boolean loopback = InetAddress.getByName(uri.getHost()).isLoopbackAddress();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            CompletableFuture<SocketConnection> f = new CompletableFuture<>();
            all.add(f);
            String name = "idle-" + i;
            WebSocketClient.ConnectionBuilder builder = WebSocketClient.connectionBuilder(worker, pool, uri);
            if (loopback) {
                // The server admits at most ServerLimits.maxConnectionsPerAddress (1,000) agents per
                // source address: spread the agents over 127.0.0.2, .3, ... as many hosts would be.
                builder.setBindAddress(new InetSocketAddress("127.0.0." + (2 + i / AGENTS_PER_ADDRESS), 0));
            }
            builder.connect().addNotifier((io, a) -> {
                try {
                    WebSocketChannel ws = io.get();
                    SocketConnection.dial(UndertowChannel.of(ws, config),
                            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("name", name),
                            config, null).whenComplete((c, t) -> {
                                inFlight.release();
                                if (t != null) {
                                    failures.add(t);
                                    f.completeExceptionally(t);
                                } else {
                                    f.complete(c);
                                }
                            });
                } catch (Exception e) {
                    inFlight.release();
                    failures.add(e);
                    f.completeExceptionally(e);
                }
            }, null);
        }
        int ok = 0;
        for (CompletableFuture<SocketConnection> f : all) {
            try {
                f.get(60, TimeUnit.SECONDS);
                ok++;
            } catch (Exception e) {
                // counted below
            }
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (!failures.isEmpty()) {
            System.err.println("first failure: " + failures.peek());
        }
        System.out.println("CONNECTED " + ok + " " + ms);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.trim().equals("ALIVE")) {
                long open = all.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()
                        && f.join().isOpen()).count();
                System.out.println("OK " + open);
                System.out.flush();
            } else if (line.trim().equals("QUIT")) {
                break;
            }
        }
        for (CompletableFuture<SocketConnection> f : all) {
            if (f.isDone() && !f.isCompletedExceptionally()) {
                f.join().shutdownNow();
            }
        }
        Thread.sleep(500);
        worker.shutdownNow();
        System.exit(0);
    }
}
