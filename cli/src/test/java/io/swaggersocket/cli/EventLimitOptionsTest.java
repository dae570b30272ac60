package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.server.EventLimits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code server --events-*} options: each reaches {@link EventLimits}, from a flag, the
 * environment or the config file; bad values are refused naming the option; and a server started
 * with them enforces them over real sockets.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EventLimitOptionsTest {
    private static final List<String> TOKEN = List.of("--token", "t0123456789abcdef");

    @RegisterExtension
    final io.swaggersocket.testing.Resources resources = new io.swaggersocket.testing.Resources();

    @TempDir
    Path dir;

    private static List<String> args(String... more) {
        return concat(TOKEN, List.of(more));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    @Test
    void withoutOptionsTheLibraryDefaultsHoldAndTheHelpSaysThem() throws Exception {
        EventLimits limits = ServerCommand.parse(TOKEN).events();
        EventLimits d = EventLimits.defaults();
        assertEquals(d.toString(), limits.toString());
        CommandLine.Model.CommandSpec spec = new CommandLine(new ServerCommand(
                new Main.Io(System.out, System.err, Map.of()))).getCommandSpec();
        Map<String, String> shown = Map.of(
                "--events-history", "(default: " + d.historySize() + ")",
                "--events-history-bytes", "(default: " + (d.historyBytes() >> 20) + "MiB)",
                "--events-queue", "(default: " + d.subscriberQueue() + ")",
                "--events-write-timeout", "(default: " + d.writeTimeout().toSeconds() + ")",
                "--events-max-subscribers", "(default: " + d.maxSubscribers() + ")",
                "--events-max-subscribers-per-principal", "(default: " + d.maxSubscribersPerPrincipal() + ")");
        shown.forEach((option, text) -> {
            String description = String.join(" ", spec.findOption(option).description());
            assertTrue(description.endsWith(text), option + ": " + description + " should end with " + text);
        });
    }

    @Test
    void everyFlagReachesItsLimit() throws Exception {
        EventLimits limits = ServerCommand.parse(args("--events-history", "500", "--events-history-bytes", "2MiB",
                "--events-queue", "16", "--events-write-timeout", "5", "--events-max-subscribers", "10",
                "--events-max-subscribers-per-principal", "3")).events();
        assertEquals(500, limits.historySize());
        assertEquals(2L << 20, limits.historyBytes());
        assertEquals(16, limits.subscriberQueue());
        assertEquals(Duration.ofSeconds(5), limits.writeTimeout());
        assertEquals(10, limits.maxSubscribers());
        assertEquals(3, limits.maxSubscribersPerPrincipal());
    }

    @Test
    void sizesTakeBytesOrBinaryUnits() {
        assertEquals(4096, EventLimitOptions.bytes("4096"));
        assertEquals(512L << 10, EventLimitOptions.bytes("512KiB"));
        assertEquals(512L << 10, EventLimitOptions.bytes("512k"));
        assertEquals(32L << 20, EventLimitOptions.bytes("32 MiB"));
        assertEquals(1L << 30, EventLimitOptions.bytes("1gib"));
    }

    @Test
    void theEnvironmentAndTheConfigFileNameThemAsTheOtherOptionsAndAFlagBeatsBoth() throws Exception {
        Path config = Files.writeString(dir.resolve("server.yaml"), String.join("\n",
                "events-history: 700",
                "events-history-bytes: 1MiB",
                "events-max-subscribers: 9",
                ""));
        Map<String, String> env = Map.of("SWAGGERSOCKET_EVENTS_HISTORY", "800",
                "SWAGGERSOCKET_EVENTS_QUEUE", "12",
                "SWAGGERSOCKET_EVENTS_MAX_SUBSCRIBERS_PER_PRINCIPAL", "4");
        EventLimits limits = ServerCommand.parse(args("--config", config.toString(), "--events-max-subscribers", "11"),
                env).events();
        assertEquals(800, limits.historySize(), "the environment beats the file");
        assertEquals(1L << 20, limits.historyBytes(), "from the file");
        assertEquals(12, limits.subscriberQueue(), "from the environment");
        assertEquals(11, limits.maxSubscribers(), "the flag beats the file");
        assertEquals(4, limits.maxSubscribersPerPrincipal());
        assertEquals(Duration.ofSeconds(30), limits.writeTimeout(), "not given: the default");
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        assertEquals("--events-history: expected a whole number but was \"many\"", refusal("--events-history", "many"));
        assertEquals("--events-history: 0 is out of range [1, 10000000]", refusal("--events-history", "0"));
        assertEquals("--events-queue: -1 is out of range [1, 1000000]", refusal("--events-queue", "-1"));
        assertEquals("--events-history-bytes: expected a size in bytes, or with KiB, MiB or GiB but was \"10 TB\"",
                refusal("--events-history-bytes", "10 TB"));
        assertEquals("--events-history-bytes: 100 is out of range [1024, 17179869184]",
                refusal("--events-history-bytes", "100"));
        assertEquals("--events-history-bytes: expected a size of at most 16GiB but was \"99999999999999G\"",
                refusal("--events-history-bytes", "99999999999999G"));
        assertEquals("--events-write-timeout: expected 1 to 86400 seconds but was \"0\"",
                refusal("--events-write-timeout", "0"));
        assertEquals("--events-max-subscribers: 2000000 is out of range [1, 1000000]",
                refusal("--events-max-subscribers", "2000000"));
        assertEquals("--events-max-subscribers-per-principal: expected a whole number but was \"1.5\"",
                refusal("--events-max-subscribers-per-principal", "1.5"));
        UsageException fromEnv = assertThrows(UsageException.class, () -> ServerCommand.parse(TOKEN,
                Map.of("SWAGGERSOCKET_EVENTS_QUEUE", "lots")));
        assertEquals("--events-queue: expected a whole number but was \"lots\"", fromEnv.getMessage());
    }

    private static String refusal(String option, String value) {
        return assertThrows(UsageException.class, () -> ServerCommand.parse(args(option, value))).getMessage();
    }

    /**
     * A server started with the caps refuses, over real sockets, a principal's second subscriber
     * (its own cap) and then anyone past the server-wide cap, while the subscribers in stay.
     */
    @Test
    void aServerStartedWithTheCapsEnforcesThem() throws Exception {
        Path access = Files.writeString(dir.resolve("access.yaml"), String.join("\n",
                "principals:",
                "  - {name: ops-a, tokens: [\"token-a-0123456789\"], admin: [\"*\"]}",
                "  - {name: ops-b, tokens: [\"token-b-0123456789\"], admin: [\"*\"]}",
                "  - {name: ops-c, tokens: [\"token-c-0123456789\"], admin: [\"*\"]}",
                ""));
        Lines out = new Lines();
        ServerCommand.Running server = resources.track(ServerCommand.start(ServerCommand.parse(List.of(
                "--listen", "127.0.0.1:0", "--access-file", access.toString(),
                "--events-max-subscribers", "2", "--events-max-subscribers-per-principal", "1")),
                ConnectionConfig.defaults(), out.stream));
        int port = server.server().port();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        WebSocket a1 = subscribe(http, port, "token-a-0123456789");
        HttpResponse<String> a2 = get(http, port, "token-a-0123456789");
        assertEquals(429, a2.statusCode(), a2.body());
        assertTrue(a2.body().contains("ops-a has 1 event subscribers, the limit (maxSubscribersPerPrincipal)"), a2.body());

        WebSocket b1 = subscribe(http, port, "token-b-0123456789");
        HttpResponse<String> c1 = get(http, port, "token-c-0123456789");
        assertEquals(429, c1.statusCode(), c1.body());
        assertTrue(c1.body().contains("the server has 2 event subscribers, its limit (maxSubscribers)"), c1.body());
        assertEquals("5", c1.headers().firstValue("Retry-After").orElse(null));

        assertTrue(!a1.isOutputClosed() && !b1.isOutputClosed(), "the subscribers in stay");
        a1.abort();
        b1.abort();
    }

    private static WebSocket subscribe(HttpClient http, int port, String token) throws Exception {
        return http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/events"), new WebSocket.Listener() { })
                .get(20, TimeUnit.SECONDS);
    }

    private static HttpResponse<String> get(HttpClient http, int port, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
