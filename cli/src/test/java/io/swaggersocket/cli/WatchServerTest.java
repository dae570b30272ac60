package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.events.Event;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.testing.FaultRelay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code swaggersocket watch} against a real server's {@code /events} over sockets on 127.0.0.1:
 * agents connecting with labels, a docker filter, pretty output, bad credentials, and a resume
 * across a cut connection.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WatchServerTest {
    private static final String TOKEN = "watch-server-token";
    private static final String SECRET = "watch-secret-0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ConnectionConfig FAST = ConnectionConfig.builder()
            .heartbeat(Duration.ofMillis(100), Duration.ofMillis(500))
            .shutdownGracePeriod(Duration.ofMillis(500))
            .build();
    private static final ReconnectPolicy FAST_RECONNECT = ReconnectPolicy.builder()
            .initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200)).build();

    @RegisterExtension
    final io.swaggersocket.testing.Resources resources = new io.swaggersocket.testing.Resources();
    private final Lines serverOut = new Lines();

    private ServerCommand.Running server() throws Exception {
        ServerCommand.Running server = resources.track(ServerCommand.start(
                ServerCommand.parse(List.of("--listen", "127.0.0.1:0", "--token", TOKEN)), FAST, serverOut.stream));
        serverOut.awaitStartingWith("swaggersocket server listening: ");
        return server;
    }

    private ServerCommand.Running serverWithAccessFile(Path dir) throws Exception {
        Files.writeString(dir.resolve("a.secret"), SECRET + "\n");
        Path access = Files.writeString(dir.resolve("access.yaml"), String.join("\n",
                "principals:",
                "  - name: team-a",
                "    accessKeys: [{id: AKWATCH, secretFile: a.secret}]",
                "    admin: [\"a*\"]",
                "  - name: agents",
                "    tokens: [\"" + TOKEN + "\"]",
                "    register: [\"*\"]",
                "  - name: nobody",
                "    tokens: [\"no-admin-token\"]",
                "    call: [\"*\"]",
                ""));
        ServerCommand.Running server = resources.track(ServerCommand.start(ServerCommand.parse(
                List.of("--listen", "127.0.0.1:0", "--access-file", access.toString())), FAST, serverOut.stream));
        serverOut.awaitStartingWith("swaggersocket server listening: ");
        return server;
    }

    @Test
    void signedCredentialsSeeTheAgentsTheirGrantsCover(@TempDir Path dir) throws Exception {
        ServerCommand.Running server = serverWithAccessFile(dir);
        WatchCommandTest.Watch w = watch("--server", "ws://127.0.0.1:" + server.server().port() + "/tunnel",
                "--access-key", "AKWATCH", "--secret-key-file", dir.resolve("a.secret").toString(), "--since", "0");
        agent(server, "b1", "prod"); // outside team-a's admin grant: never shown
        agent(server, "a1", "prod");
        String line = w.out.await(l -> l.startsWith("{"), "with an event");
        JsonNode event = JSON.readTree(line);
        assertEquals("a1", event.path("Agent").asText(), "b1 connected first, but is not team-a's: " + w.out.all());
        assertEquals("create", event.path("Action").asText());
    }

    @Test
    void aPrincipalWithoutAdminExits3With403(@TempDir Path dir) throws Exception {
        ServerCommand.Running server = serverWithAccessFile(dir);
        WatchCommandTest.Watch w = watch("--server", "ws://127.0.0.1:" + server.server().port(),
                "--token", "no-admin-token");
        assertEquals(Main.REFUSED, w.awaitExit());
        assertEquals(1, w.err.all().size(), w.err.all().toString());
        assertTrue(w.err.all().get(0).startsWith("swaggersocket watch: the server refused access (403): "),
                w.err.all().toString());
        assertFalse(w.err.text().contains("no-admin-token"), "never the secret");
    }

    private void agent(ServerCommand.Running server, String name, String env) throws Exception {
        Upstream upstream = resources.track(new Upstream());
        Lines out = new Lines();
        resources.track(AgentCommand.start(AgentCommand.parse(List.of("--server",
                "ws://127.0.0.1:" + server.server().port() + "/tunnel", "--name", name, "--forward",
                upstream.uri().toString(), "--token", TOKEN, "--meta", "env=" + env)), FAST, FAST_RECONNECT, out.stream));
        out.awaitStartingWith("connected: connection ");
    }

    /** Runs a watch until the test ends. */
    private WatchCommandTest.Watch watch(String... args) {
        WatchCommandTest.Watch w = new WatchCommandTest.Watch(Map.of(), args);
        resources.track(() -> {
            w.command.stop();
            w.exit.get(20, TimeUnit.SECONDS);
        });
        return w;
    }

    @Test
    void aLabelFilterPrintsOnlyTheMatchingAgentsEventsPretty() throws Exception {
        ServerCommand.Running server = server();
        // --since 0: the whole history, so that the agents may connect before the watch subscribes
        WatchCommandTest.Watch w = watch("--server", "ws://127.0.0.1:" + server.server().port(), "--token", TOKEN,
                "--filter", "label=env=prod", "--pretty", "--since", "0");
        agent(server, "edge-2", "dev");
        agent(server, "edge-1", "prod");
        // one pretty event: "{" ... "}" lines; the events come in Seq order, so edge-2's (earlier) would come first
        w.out.await(l -> l.equals("{"), "opening an event");
        String closing = w.out.await(l -> l.equals("}"), "closing an event");
        assertEquals("}", closing);
        String text = w.out.text();
        JsonNode event = JSON.readTree(text);
        assertEquals("edge-1", event.path("Agent").asText(), text);
        assertEquals("connections", event.path("Type").asText());
        assertEquals("create", event.path("Action").asText());
        assertEquals("prod", event.path("Labels").path("env").asText());
        assertTrue(text.contains("\n  \"Agent\" : \"edge-1\""), "indented: " + text);
        assertFalse(text.contains("edge-2"), text);
        // and nothing else matched: a published event for edge-2 is not printed, one for edge-1 is
        server.server().publish(Event.builder("deploys", "start", "v1").agent("edge-2").label("env", "dev").build());
        server.server().publish(Event.builder("deploys", "start", "v2").agent("edge-1").label("env", "prod").build());
        w.out.await(l -> l.contains("\"Key\" : \"v2\""), "for edge-1's deploy");
        assertFalse(w.out.text().contains("\"v1\""), w.out.text());
    }

    @Test
    void badCredentialsExit3WithTheReasonInOneLine() throws Exception {
        ServerCommand.Running server = server();
        WatchCommandTest.Watch w = watch("--server", "ws://127.0.0.1:" + server.server().port(), "--token", "wrong-token");
        assertEquals(Main.REFUSED, w.awaitExit());
        assertEquals(1, w.err.all().size(), w.err.all().toString());
        assertTrue(w.err.all().get(0).startsWith("swaggersocket watch: the server refused the credentials (401): "),
                w.err.all().toString());
        assertEquals(List.of(), w.out.all());
    }

    @Test
    void aResumeAcrossACutConnectionHasNoGapAndNoDuplicate() throws Exception {
        ServerCommand.Running server = server();
        FaultRelay relay = resources.track(new FaultRelay(server.server().port()));
        WatchCommandTest.Watch w = watch("--server", "ws://127.0.0.1:" + relay.port(), "--token", TOKEN,
                "--register", "deploys.*.*", "--since", "0", "--ping-interval", "0");
        for (int i = 1; i <= 20; i++) {
            server.server().publish(Event.builder("deploys", "step", "k" + i).build());
        }
        w.out.await(l -> l.contains("\"Key\":\"k20\""), "with k20");
        relay.cut();
        for (int i = 21; i <= 40; i++) {
            server.server().publish(Event.builder("deploys", "step", "k" + i).build()); // some while the watch is away
        }
        w.err.await(l -> l.contains("reconnecting in"), "saying it reconnects");
        w.out.await(l -> l.contains("\"Key\":\"k40\""), "with k40");
        List<String> keys = new ArrayList<>();
        for (String line : w.out.all()) {
            keys.add(JSON.readTree(line).path("Key").asText());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            expected.add("k" + i);
        }
        assertEquals(expected, keys, "every event once, in order; stderr: " + w.err.all());
    }
}
