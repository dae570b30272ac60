package io.swaggersocket.it;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.SocketServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.hc.core5.http.io.HttpRequestHandler;

/**
 * A public ingress, an agent named {@code name} serving a handler, and upstream HTTP services, all
 * on 127.0.0.1: what an ingress caller reaches at {@code /agents/NAME/...}. Closes in reverse order.
 */
final class IngressTunnel implements AutoCloseable {
    private final List<AutoCloseable> resources = new ArrayList<>();
    private SocketServer server;

    /** A JDK HTTP server on 127.0.0.1 with {@code handler} at {@code context}; its base URI. */
    URI upstream(String context, HttpHandler handler) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ExecutorService threads = Executors.newCachedThreadPool();
        http.setExecutor(threads);
        http.createContext(context, handler);
        http.start();
        resources.add(() -> {
            http.stop(0);
            threads.shutdownNow();
        });
        return URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    }

    /** Starts the server, configured further by {@code options}. */
    IngressTunnel server(UnaryOperator<SocketServer.Builder> options) throws IOException {
        server = options.apply(SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true)).build();
        resources.add(server);
        server.start();
        return this;
    }

    /** Connects an agent named {@code name} serving {@code handler}; it takes ingress calls once this returns. */
    IngressTunnel agent(String name, HttpRequestHandler handler) throws Exception {
        CompletableFuture<Void> joined = new CompletableFuture<>();
        // The server lets the ingress pick the connection before it posts RECEIVED, which may come
        // after the agent's connect() has returned (the handshake's last message is the agent's).
        server.addListener(event -> {
            if (event.type() == ConnectionEvent.Type.RECEIVED) {
                joined.complete(null);
            }
        });
        SocketClient agent = SocketClient.builder(server.uri()).metadata(Map.of("name", name)).build();
        resources.add(agent);
        if (handler instanceof AutoCloseable closeable) {
            resources.add(closeable);
        }
        agent.serve(handler);
        agent.connect();
        joined.get(10, TimeUnit.SECONDS);
        return this;
    }

    int port() {
        return server.port();
    }

    /** {@code http://127.0.0.1:PORT} + {@code pathAndQuery}. */
    URI ingress(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    @Override
    public void close() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }
}
