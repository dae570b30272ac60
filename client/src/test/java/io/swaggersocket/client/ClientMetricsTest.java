package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The agent's meters, in a registry of the user's and on its own loopback endpoint. */
@Timeout(30)
class ClientMetricsTest {
    private static final ConnectionConfig CONFIG = ConnectionConfig.builder()
            .handshakeTimeout(Duration.ofSeconds(3))
            .requestTimeout(Duration.ofSeconds(5))
            .shutdownGracePeriod(Duration.ofSeconds(2))
            .build();
    private static final ReconnectPolicy FAST = ReconnectPolicy.builder().initialDelay(Duration.ofMillis(20))
            .maxDelay(Duration.ofMillis(100)).jitter(0).build();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private TestServer server() {
        TestServer server = TestServer.start(CONFIG);
        resources.add(server);
        return server;
    }

    private SocketClient client(SocketClient.Builder b) {
        SocketClient client = b.connectionConfig(CONFIG).reconnect(FAST).build();
        resources.add(client);
        client.serve((request, response, context) -> {
            switch (request.getPath()) {
                case "/ok" -> response.setEntity(new StringEntity("fine", ContentType.TEXT_PLAIN));
                case "/missing" -> response.setCode(404);
                default -> throw new IllegalStateException("the handler fails on " + request.getPath());
            }
        });
        return client;
    }

    private static int call(SocketConnection connection, String path) throws IOException {
        try (ClassicHttpResponse r = connection.execute(ClassicRequestBuilder.get(path).build())) {
            return r.getCode();
        }
    }

    private static HttpResponse<String> get(InetSocketAddress at, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one sample, by its name and labels exactly as written. */
    /** Scrapes until {@code sample} reads {@code expected}, for at most 10 s; returns the last scrape. */
    private static HttpResponse<String> scrapeUntil(InetSocketAddress at, String sample, double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        HttpResponse<String> r = get(at, "GET", "/metrics");
        while (value(r.body(), sample) != expected && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            r = get(at, "GET", "/metrics");
        }
        return r;
    }

    private static double value(String text, String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), "no sample " + sample + " in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theAgentServesItsMetricsOnLoopbackAndTheyMove() throws Exception {
        TestServer server = server();
        SocketClient client = client(SocketClient.builder(server.uri()).serveMetrics(0));
        BlockingQueue<ClientStateEvent> connected = new LinkedBlockingQueue<>();
        client.addStateListener(e -> {
            if (e.state() == ClientState.CONNECTED) {
                connected.add(e);
            }
        });
        InetSocketAddress at = client.metricsAddress().orElseThrow();
        assertTrue(at.getAddress().isLoopbackAddress(), at.toString());
        assertNotEquals(0, at.getPort());

        String idle = get(at, "GET", "/metrics").body();
        assertEquals(0, value(idle, "swaggersocket_client_connected"));
        assertEquals(0, value(idle, "swaggersocket_client_requests_total{code=\"2xx\"}"));

        client.connect();
        SocketConnection accepted = server.nextConnection();
        assertEquals(200, call(accepted, "/ok"));
        assertEquals(200, call(accepted, "/ok"));
        assertEquals(404, call(accepted, "/missing"));
        assertEquals(500, call(accepted, "/boom"));

        // call() closes each response unread, which resets the stream; the agent drops its side when
        // that RESET arrives, maybe after this scrape: wait (bounded) for the gauge to settle.
        HttpResponse<String> r = scrapeUntil(at, "swaggersocket_client_streams", 0);
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
        String text = r.body();
        assertEquals(1, value(text, "swaggersocket_client_connected"));
        assertEquals(0, value(text, "swaggersocket_client_reconnects_total"));
        assertEquals(0, value(text, "swaggersocket_client_streams"));
        assertEquals(2, value(text, "swaggersocket_client_requests_total{code=\"2xx\"}"));
        assertEquals(1, value(text, "swaggersocket_client_requests_total{code=\"4xx\"}"));
        assertEquals(1, value(text, "swaggersocket_client_requests_total{code=\"5xx\"}"), "a handler that throws");
        double in = value(text, "swaggersocket_client_received_bytes_total");
        double out = value(text, "swaggersocket_client_sent_bytes_total");
        assertTrue(in > 0 && out > 0, in + " / " + out);
        assertTrue(value(text, "jvm_threads_live_threads") > 0, "the JVM's metrics come with the private registry");

        // A lost connection: the agent reconnects; bytes of the first connection stay counted.
        assertNotNull(connected.poll(5, TimeUnit.SECONDS), "the first CONNECTED");
        server.dropAll();
        // The agent counts a connection before it tells CONNECTED: after the event, a scrape sees it.
        assertNotNull(connected.poll(5, TimeUnit.SECONDS), "no reconnect within 5 s");
        SocketConnection second = server.nextConnection();
        assertEquals(200, call(second, "/ok"));
        String later = get(at, "GET", "/metrics").body();
        assertEquals(1, value(later, "swaggersocket_client_reconnects_total"));
        assertEquals(1, value(later, "swaggersocket_client_connected"));
        assertEquals(3, value(later, "swaggersocket_client_requests_total{code=\"2xx\"}"));
        assertTrue(value(later, "swaggersocket_client_received_bytes_total") > in);

        client.close();
        assertThrows(IOException.class, () -> get(at, "GET", "/metrics"), "the port is closed with the client");
    }

    @Test
    void theEndpointServesOnlyGetAndHeadOfMetrics() throws Exception {
        SocketClient client = client(SocketClient.builder(URI.create("ws://127.0.0.1:9/agents")).serveMetrics(0));
        InetSocketAddress at = client.metricsAddress().orElseThrow();
        assertEquals(404, get(at, "GET", "/").statusCode());
        assertEquals(404, get(at, "GET", "/metrics/x").statusCode());
        HttpResponse<String> post = get(at, "POST", "/metrics");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(null));
        HttpResponse<String> head = get(at, "HEAD", "/metrics");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void aUsersRegistryGetsTheMetersAndLosesThemOnClose() throws Exception {
        TestServer server = server();
        SimpleMeterRegistry mine = new SimpleMeterRegistry();
        SocketClient client = client(SocketClient.builder(server.uri()).meterRegistry(mine));
        assertTrue(client.metricsAddress().isEmpty(), "no endpoint unless asked for");
        client.connect();
        assertEquals(200, call(server.nextConnection(), "/ok"));
        assertEquals(1, mine.get("swaggersocket.client.requests").tag("code", "2xx").counter().count());
        assertEquals(1, mine.get("swaggersocket.client.connected").gauge().value());
        assertTrue(mine.get("swaggersocket.client.received.bytes").functionCounter().count() > 0);
        assertTrue(mine.find("jvm.threads.live").meters().isEmpty(), "no JVM binder is bound to a user's registry");
        client.close();
        assertTrue(mine.find("swaggersocket.client.requests").meters().isEmpty(), "removed on close");
    }

    @Test
    void anEndpointOverANonPrometheusRegistrySays404AndAPrometheusOneIsServed() throws Exception {
        URI nowhere = URI.create("ws://127.0.0.1:9/agents");
        SocketClient simple = client(SocketClient.builder(nowhere).meterRegistry(new SimpleMeterRegistry()).serveMetrics(0));
        HttpResponse<String> r = get(simple.metricsAddress().orElseThrow(), "GET", "/metrics");
        assertEquals(404, r.statusCode());
        assertTrue(r.body().startsWith("no Prometheus registry: the meters go to the application's "
                + "io.micrometer.core.instrument.simple.SimpleMeterRegistry"), r.body());

        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SocketClient served = client(SocketClient.builder(nowhere).meterRegistry(prometheus).serveMetrics(0));
        String text = get(served.metricsAddress().orElseThrow(), "GET", "/metrics").body();
        assertEquals(0, value(text, "swaggersocket_client_connected"));
        assertFalse(text.contains("jvm_"), text);
    }

    @Test
    void aTakenPortOrABadOneFailsTheBuild() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            SocketClient.Builder b = SocketClient.builder(URI.create("ws://127.0.0.1:9/agents"))
                    .serveMetrics(taken.getLocalPort());
            UncheckedIOException e = assertThrows(UncheckedIOException.class, b::build);
            assertTrue(e.getMessage().startsWith("serveMetrics: cannot serve metrics on "), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SocketClient.builder(URI.create("ws://127.0.0.1:9/agents")).serveMetrics(65536));
        assertEquals("metricsPort: 65536 is out of range [0, 65535]", e.getMessage());
    }
}
