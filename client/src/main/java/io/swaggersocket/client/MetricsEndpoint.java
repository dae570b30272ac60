package io.swaggersocket.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.swaggersocket.internal.metrics.MeterSetup;
import io.swaggersocket.internal.metrics.PrometheusScrape;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The agent's own {@code GET /metrics}, in the Prometheus text format, on a plain HTTP port of the
 * JDK's built-in server (a scrape endpoint needs no more, and the agent no second web stack).
 * Thread-safe. Anyone who reaches the port can read it: it has no authentication, which is why
 * {@link SocketClient.Builder#serveMetrics(int)} binds to the loopback address.
 */
final class MetricsEndpoint {
    private final HttpServer server;
    private final ExecutorService thread;

    private MetricsEndpoint(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /** Binds {@code address} and serves the Prometheus registry of {@code setup} (or a 404 saying there is none). */
    static MetricsEndpoint start(InetSocketAddress address, MeterSetup setup) throws IOException {
        HttpServer server = HttpServer.create(address, 16);
        // One daemon thread: scrapes are rare and short, and the endpoint must not keep the JVM alive.
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "swaggersocket-client-metrics");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/", exchange -> handle(exchange, setup.prometheus(), setup));
        server.start();
        return new MetricsEndpoint(server, thread);
    }

    private static void handle(HttpExchange exchange, Optional<PrometheusMeterRegistry> registry, MeterSetup setup)
            throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes(); // scrapes have no body; a stray one must not stall the next
            String method = exchange.getRequestMethod();
            boolean head = method.equals("HEAD");
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                send(exchange, 404, "text/plain; charset=utf-8", "not found: only /metrics is served here\n", head);
            } else if (!head && !method.equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "method " + method + " is not allowed: GET or HEAD\n",
                        false);
            } else if (registry.isEmpty()) {
                send(exchange, 404, "text/plain; charset=utf-8", setup.noPrometheusReason() + "\n", head);
            } else {
                send(exchange, 200, PrometheusScrape.CONTENT_TYPE, PrometheusScrape.all(registry.get()), head);
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String text, boolean head)
            throws IOException {
        send(exchange, status, type, text.getBytes(StandardCharsets.UTF_8), head);
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body, boolean head)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Where it listens. */
    InetSocketAddress address() {
        return server.getAddress();
    }

    /** Closes the port at once (a scrape in progress is cut) and ends the thread. */
    void stop() {
        server.stop(0);
        thread.shutdownNow();
    }
}
