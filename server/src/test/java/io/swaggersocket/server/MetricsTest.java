package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.swaggersocket.mux.ConnectionConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** /metrics on Micrometer: the series of before, moving with traffic, the JVM's, and a registry of the user's. */
@Timeout(60)
class MetricsTest {
    private static final String TOKEN = "metrics-test-token";

    private Dialer dialer;
    private final EventLog events = new EventLog();
    private SocketServer server;

    @AfterEach
    void stop() {
        if (dialer != null) {
            dialer.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void start(MeterRegistry registry) throws Exception {
        SocketServer.Builder b = SocketServer.builder().bind("127.0.0.1", 0).authenticator(BearerTokens.of(TOKEN))
                .ingress(true).adminApi(true);
        if (registry != null) {
            b.meterRegistry(registry);
        }
        server = b.build();
        dialer = new Dialer();
        server.addListener(events);
        server.start();
    }

    private Dialer.Dialed agent(String name) throws Exception {
        Dialer.Dialed dialed = dialer.dial(server.uri(), Map.of("Authorization", "Bearer " + TOKEN),
                JsonNodeFactory.instance.objectNode().put("name", name), new TestAgent(name), ConnectionConfig.defaults(),
                null).get(10, TimeUnit.SECONDS);
        events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id());
        return dialed;
    }

    private int ingress(String path) throws Exception {
        return IngressTest.get(URI.create("http://127.0.0.1:" + server.port() + "/agents/" + path + "?token=" + TOKEN))
                .statusCode();
    }

    private HttpResponse<String> metrics() throws Exception {
        return IngressTest.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private PrometheusText scrape() throws Exception {
        HttpResponse<String> r = metrics();
        assertEquals(200, r.statusCode(), r.body());
        return PrometheusText.parse(r.body());
    }

    /**
     * A call is counted when it ends, just after its last byte went to the caller: a scrape right
     * after the answer may come first. Scrapes until {@code sample} is {@code expected}, for up to 10 s.
     */
    private PrometheusText scrapeWhen(String sample, double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            PrometheusText text = scrape();
            if (text.keys().contains(sample) && text.value(sample) == expected) {
                return text;
            }
            if (System.nanoTime() - deadline > 0) {
                assertEquals(expected, text.value(sample), sample + " within 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // a poll interval, not a wait for the event
        }
    }

    /** Polls {@code condition} until it holds, failing after 10 s. */
    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("the condition did not hold within 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // a poll interval, not a wait for the event
        }
    }

    @Test
    void theOldSeriesMoveWithCallsAndTheJvmSeriesAreThere() throws Exception {
        start(null);
        agent("m1");
        PrometheusText before = scrape();
        assertEquals(1, before.value("swaggersocket_agent_connections{agent=\"m1\"}"));
        assertEquals(0, before.value("swaggersocket_ingress_requests_total{code=\"2xx\"}"));
        assertEquals(0, before.value("swaggersocket_ingress_duration_seconds_count"));
        assertEquals(0, before.value("swaggersocket_limit_hits_total{limit=\"ingress_calls\"}"));
        double agentIn = before.value("swaggersocket_agent_received_bytes{agent=\"m1\"}");

        for (int i = 0; i < 3; i++) {
            assertEquals(200, ingress("m1/info"));
        }
        assertEquals(404, ingress("nobody/x"));
        PrometheusText after = scrapeWhen("swaggersocket_ingress_duration_seconds_count", 4);
        assertEquals(3, after.value("swaggersocket_ingress_requests_total{code=\"2xx\"}"));
        assertEquals(1, after.value("swaggersocket_ingress_requests_total{code=\"4xx\"}"));
        assertEquals(1, after.value("swaggersocket_ingress_errors_total{reason=\"no_agent\"}"));
        assertEquals(4, after.value("swaggersocket_ingress_duration_seconds_count"));
        assertEquals(4, after.value("swaggersocket_ingress_duration_seconds_bucket{le=\"120.0\"}"));
        assertTrue(after.value("swaggersocket_ingress_duration_seconds_bucket{le=\"0.005\"}") <= 4);
        assertTrue(after.value("swaggersocket_agent_received_bytes{agent=\"m1\"}") > agentIn, "the answers came in");
        assertTrue(after.value("swaggersocket_received_bytes_total") >= after.value("swaggersocket_agent_received_bytes{agent=\"m1\"}"));
        assertEquals("gauge", after.type("swaggersocket_agent_connections"));
        assertEquals("counter", after.type("swaggersocket_limit_hits_total"));

        // JVM and process metrics, from Micrometer's binders.
        assertTrue(heapUsed(after) > 0);
        assertTrue(after.value("jvm_threads_live_threads") > 0);
        assertTrue(after.value("jvm_classes_loaded_classes") > 0);
        assertTrue(after.value("system_cpu_count") > 0);
        assertTrue(after.value("process_uptime_seconds") > 0);
        assertTrue(after.value("process_files_open_files") > 0);
    }

    /** The heap in use, over all pools: their names depend on the collector the JVM runs. */
    private static double heapUsed(PrometheusText text) {
        return text.keys().stream().filter(k -> k.startsWith("jvm_memory_used_bytes{area=\"heap\""))
                .mapToDouble(text::value).sum();
    }

    @Test
    void anAgentsSeriesGoWhenItsLastConnectionCloses() throws Exception {
        start(null);
        Dialer.Dialed one = agent("gone-soon");
        Dialer.Dialed two = agent("gone-soon");
        assertEquals(2, scrape().value("swaggersocket_agent_connections{agent=\"gone-soon\"}"));
        kick(one);
        assertEquals(1, scrape().value("swaggersocket_agent_connections{agent=\"gone-soon\"}"));
        kick(two);
        String text = metrics().body();
        assertFalse(text.contains("gone-soon"), text);
        assertEquals(2, PrometheusText.parse(text).value("swaggersocket_connection_events_total{type=\"received\"}"));
    }

    @Test
    void anAgentNameWithQuotesAndBackslashesIsEscapedNotInjected() throws Exception {
        start(null);
        // Line breaks are refused in the hello already; quotes, backslashes and braces are not.
        agent("we\"ird\\name} 99 swaggersocket_connections 42");
        PrometheusText text = scrape(); // strict: a broken label would fail here
        assertEquals(1, text.value("swaggersocket_connections"), "no sample smuggled in through a name");
        assertEquals(1, text.value("swaggersocket_agent_connections{agent=\"we\\\"ird\\\\name} 99 swaggersocket_connections 42\"}"));
    }

    private void kick(Dialer.Dialed agent) throws Exception {
        String id = agent.connection().id();
        HttpResponse<String> r = IngressTest.HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/connections/" + id)).DELETE()
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode());
        events.next(ConnectionEvent.Type.CLOSED, id);
    }

    @Test
    void aUsersPrometheusRegistryGetsTheMetersIsServedAndIsLeftCleanOnClose() throws Exception {
        PrometheusMeterRegistry mine = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter own = Counter.builder("app.jobs").register(mine);
        own.increment(7);
        start(mine);
        agent("u1");
        assertEquals(200, ingress("u1/info"));
        await(() -> mine.get("swaggersocket.ingress.duration").timer().count() == 1);
        assertEquals(1, mine.get("swaggersocket.ingress.requests").tag("code", "2xx").counter().count());
        PrometheusText text = scrape();
        assertEquals(7, text.value("app_jobs_total"), "the user's own meters are served too");
        assertEquals(1, text.value("swaggersocket_ingress_requests_total{code=\"2xx\"}"));
        assertNull(text.type("jvm_threads_live_threads"), "no JVM binder is bound to a user's registry");

        server.close();
        assertTrue(mine.find("swaggersocket.ingress.requests").meters().isEmpty(), "removed on close");
        assertTrue(mine.find("swaggersocket.agent.connections").meters().isEmpty(), "removed on close");
        assertEquals(7, mine.get("app.jobs").counter().count(), "the user's meters stay");
    }

    @Test
    void aNonPrometheusRegistryGetsTheMetersAndMetricsSays404() throws Exception {
        SimpleMeterRegistry mine = new SimpleMeterRegistry();
        start(mine);
        agent("s1");
        assertEquals(200, ingress("s1/info"));
        await(() -> mine.get("swaggersocket.ingress.duration").timer().count() == 1);
        assertEquals(1, mine.get("swaggersocket.ingress.requests").tag("code", "2xx").counter().count());
        assertEquals(1, mine.get("swaggersocket.agent.connections").tag("agent", "s1").gauge().value());
        assertEquals(1, mine.get("swaggersocket.ingress.duration").timer().count());
        HttpResponse<String> r = metrics();
        assertEquals(404, r.statusCode());
        assertEquals("no Prometheus registry: the meters go to the application's "
                + "io.micrometer.core.instrument.simple.SimpleMeterRegistry, which is neither a PrometheusMeterRegistry"
                + " nor a CompositeMeterRegistry holding one", IngressTest.json(r).path("error").asText());
    }

    @Test
    void aCompositeHoldingAPrometheusRegistryIsServed() throws Exception {
        SimpleMeterRegistry simple = new SimpleMeterRegistry();
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CompositeMeterRegistry composite = new CompositeMeterRegistry();
        composite.add(simple);
        composite.add(prometheus);
        start(composite);
        agent("c1");
        assertEquals(200, ingress("c1/info"));
        assertEquals(1, scrapeWhen("swaggersocket_ingress_duration_seconds_count", 1)
                .value("swaggersocket_ingress_requests_total{code=\"2xx\"}"));
        assertEquals(1, simple.get("swaggersocket.ingress.requests").tag("code", "2xx").counter().count());
    }
}
