package io.swaggersocket.bench;

import io.swaggersocket.client.SocketClient;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;

/**
 * The agent JVM: serves {@link BenchHandler} twice, directly on an Undertow HTTP/1.1 listener (the
 * baseline) and through a {@link SocketClient} dialed to the driver's SocketServer (default
 * configs). Driven by line commands on stdin, answered on stdout:
 * {@code HEAPRESET}, {@code HEAPPEAK}, {@code CPU}, {@code QUIT}.
 */
public final class AgentMain {
    public static void main(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        URI server = URI.create(args[0]);
        String name = args.length > 1 ? args[1] : "bench-agent";
        BenchHandler handler = new BenchHandler();
        Undertow direct = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, 8L << 30) // default 2 MiB; bulk posts are 1 GiB
                .setHandler(new UndertowHttpCore(handler))
                .build();
        direct.start();
        int port = ((InetSocketAddress) direct.getListenerInfo().get(0).getAddress()).getPort();
        SocketClient.Builder builder = SocketClient.builder(server).metadata(Map.of("name", name));
        if (ExperimentConfig.isSet()) {
            builder.connectionConfig(ExperimentConfig.config());
        }
        SocketClient client = builder.build();
        client.serve(handler);
        client.connect();
        System.out.println("READY " + port);
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            switch (line.trim()) {
                case "HEAPRESET" -> System.out.println("OK " + HeapMonitor.reset());
                case "HEAPPEAK" -> System.out.println("OK " + HeapMonitor.peakGrowth() + " " + HeapMonitor.gcCount());
                case "CPU" -> System.out.println("OK " + HeapMonitor.processCpuNanos());
                case "QUIT" -> {
                    client.close();
                    direct.stop();
                    System.out.println("OK bye");
                    System.out.flush();
                    System.exit(0);
                }
                default -> System.out.println("ERR unknown command " + line);
            }
            System.out.flush();
        }
        System.exit(0);
    }
}
