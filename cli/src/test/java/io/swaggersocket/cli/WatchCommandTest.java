package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code swaggersocket watch} against a scripted {@code /events} server over real sockets on
 * 127.0.0.1 ({@link FakeEventServer}): output, resume without gap or duplicate, gaps, refusals,
 * and argument errors.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final FakeEventServer server = new FakeEventServer();
    private final List<Watch> watches = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Watch w : watches) {
            w.command.stop();
            w.exit.get(20, TimeUnit.SECONDS);
        }
        server.close();
    }

    /** A watch running on its own thread, its output in {@link Lines}. */
    static final class Watch {
        final Lines out = new Lines();
        final Lines err = new Lines();
        final WatchCommand command;
        final CompletableFuture<Integer> exit = new CompletableFuture<>();

        Watch(Map<String, String> env, String... args) {
            Main.Io io = new Main.Io(out.stream, err.stream, env);
            command = new WatchCommand(io);
            CommandLine cl = Main.configure(new CommandLine(command), io);
            Thread t = new Thread(() -> {
                try {
                    exit.complete(cl.execute(args));
                } catch (Throwable e) {
                    exit.completeExceptionally(e);
                }
            }, "watch-under-test");
            t.setDaemon(true);
            t.start();
        }

        int awaitExit() throws Exception {
            return exit.get(30, TimeUnit.SECONDS);
        }

        /** The next event line of the compact output, parsed. */
        JsonNode next() throws InterruptedException {
            try {
                return JSON.readTree(out.await(l -> l.startsWith("{"), "with an event"));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    private Watch watch(String... args) {
        List<String> all = new ArrayList<>(List.of("--server", server.uri().toString(), "--token", FakeEventServer.TOKEN));
        all.addAll(List.of(args));
        Watch w = new Watch(Map.of(), all.toArray(String[]::new));
        watches.add(w);
        return w;
    }

    private Map<String, Deque<String>> nextUpgrade() throws InterruptedException {
        Map<String, Deque<String>> q = server.upgrades.poll(20, TimeUnit.SECONDS);
        assertTrue(q != null, () -> "expected an upgrade within 20 s; the watches' stderr: "
                + watches.stream().map(w -> w.err.all().toString()).toList());
        return q;
    }

    @Test
    void printsEachEventAsOneJsonLineAndSendsRegisterAndFilters() throws Exception {
        Watch w = watch("--filter", "label=env=prod", "--filter", "name=edge-1");
        Map<String, Deque<String>> query = nextUpgrade();
        assertEquals("[*.*.*]", query.get("register").toString());
        assertEquals("{\"label\":[\"env=prod\"],\"name\":[\"edge-1\"]}", query.get("filters").getFirst());
        assertNull(query.get("since"), "a first connect without --since asks for live events only");
        JsonNode sent = server.publish("edge-1", "create");
        assertEquals(sent, w.next());
        assertEquals(sent.toString(), w.out.all().get(0), "one compact line per event");
    }

    @Test
    void prettyIndents() throws Exception {
        Watch w = watch("--pretty", "--register", "connections.create.*", "--register", "connections.delete.*");
        Map<String, Deque<String>> query = nextUpgrade();
        assertEquals("[connections.create.*, connections.delete.*]", query.get("register").toString());
        assertNull(query.get("filters"), "no --filter: no filters parameter");
        server.publish("edge-1", "create");
        w.out.await(l -> l.equals("}"), "closing the pretty event");
        List<String> lines = w.out.all();
        assertEquals("{", lines.get(0));
        assertTrue(lines.contains("  \"Agent\" : \"edge-1\","), lines.toString());
        assertTrue(lines.contains("  \"Labels\" : {"), lines.toString());
    }

    @Test
    void resumesAfterASocketKillWithoutGapOrDuplicate() throws Exception {
        Watch w = watch("--ping-interval", "0");
        nextUpgrade();
        for (int i = 1; i <= 3; i++) {
            server.publish("edge-" + i, "create");
        }
        for (int i = 1; i <= 3; i++) {
            assertEquals(i, w.next().get("Seq").asInt());
        }
        server.killSockets();
        for (int i = 4; i <= 6; i++) {
            server.publish("edge-" + i, "create"); // while the watch is away
        }
        Map<String, Deque<String>> resume = nextUpgrade();
        assertEquals("3", resume.get("since").getFirst(), "resumes after the last event printed");
        assertEquals("E1", resume.get("epoch").getFirst());
        server.publish("edge-7", "create");
        for (int i = 4; i <= 7; i++) {
            assertEquals(i, w.next().get("Seq").asInt(), "in order, none missing; output " + w.out.all());
        }
        // The fake replays event 3 again (since is inclusive there): it was dropped, not printed twice.
        List<Integer> seqs = new ArrayList<>();
        for (String line : w.out.all()) {
            seqs.add(JSON.readTree(line).get("Seq").asInt());
        }
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), seqs);
        w.err.await(l -> l.contains("reconnecting in"), "saying it reconnects");
    }

    @Test
    void aSilentServerIsFoundByPingsAndLeftForANewSocket() throws Exception {
        Watch w = watch("--ping-interval", "1");
        nextUpgrade();
        server.publish("edge-1", "create");
        assertEquals(1, w.next().get("Seq").asInt());
        server.stallSockets(); // no FIN, no RST: only the pings can tell
        server.publish("edge-2", "create"); // stuck in the stalled socket
        Map<String, Deque<String>> resume = nextUpgrade();
        assertEquals("1", resume.get("since").getFirst());
        assertEquals(2, w.next().get("Seq").asInt(), "replayed on the new socket");
        assertTrue(w.err.all().get(0).startsWith("swaggersocket watch: no answer from the server for 2 s; reconnecting in "),
                w.err.all().toString());
    }

    @Test
    void aGapIsPrintedAsAnEventAndToldOnStderr() throws Exception {
        server.publish("edge-1", "create");
        server.gapOnNextConnect(1, 1, "history");
        Watch w = watch("--since", "0", "--epoch", "E0");
        Map<String, Deque<String>> query = nextUpgrade();
        assertEquals("0", query.get("since").getFirst());
        assertEquals("E0", query.get("epoch").getFirst());
        JsonNode gap = w.next();
        assertEquals("gap", gap.get("Action").asText());
        assertEquals("websocket", gap.get("Type").asText());
        assertEquals("swaggersocket watch: the server's event history is new (epoch E0 -> E1: it restarted after event 0"
                + " of the old one)", w.err.awaitStartingWith("swaggersocket watch: "));
        assertEquals("swaggersocket watch: gap: events 1 to 1 may have been missed (history)",
                w.err.awaitStartingWith("swaggersocket watch: gap"));
        assertEquals(1, w.next().get("Seq").asInt(), "then the events of the server's history");
    }

    @Test
    void aRestartedServerStartsANewHistory() throws Exception {
        Watch w = watch("--ping-interval", "0");
        nextUpgrade();
        server.publish("edge-1", "create");
        server.publish("edge-2", "create");
        assertEquals(1, w.next().get("Seq").asInt());
        assertEquals(2, w.next().get("Seq").asInt());
        server.restartHistory("E2");
        server.killSockets();
        server.publish("edge-3", "create"); // Seq 1 of E2
        nextUpgrade();
        JsonNode gap = w.next();
        assertEquals("gap", gap.get("Action").asText());
        JsonNode first = w.next();
        assertEquals(1, first.get("Seq").asInt(), "Seq 1 of the new epoch is new, though 1 was printed before");
        assertEquals("E2", first.get("Epoch").asText());
        assertEquals("swaggersocket watch: the server's event history is new (epoch E1 -> E2: it restarted after event 2"
                + " of the old one)", w.err.await(l -> l.contains("history is new"),
                "saying the history changed"));
    }

    @Test
    void aSignedUpgradeIsAccepted(@TempDir Path dir) throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), FakeEventServer.SECRET_KEY + "\n");
        Watch w = new Watch(Map.of(), "--server", server.uri().toString(), "--access-key", FakeEventServer.ACCESS_KEY,
                "--secret-key-file", secret.toString(), "--filter", "label=env=prod x", "--register", "connections.*.*");
        watches.add(w);
        nextUpgrade(); // the signature covers the query, with its encoded space
        assertEquals(1, server.publish("edge-1", "create").get("Seq").asInt());
        assertEquals("edge-1", w.next().get("Agent").asText());
    }

    @Test
    void aWrongSecretExits3WithTheServersReason() throws Exception {
        Watch w = new Watch(Map.of("SWAGGERSOCKET_SECRET_KEY", "not-the-secret"), "--server", server.uri().toString(),
                "--access-key", FakeEventServer.ACCESS_KEY);
        watches.add(w);
        assertEquals(Main.REFUSED, w.awaitExit());
        assertEquals(1, w.err.all().size(), w.err.all().toString());
        assertTrue(w.err.all().get(0).startsWith("swaggersocket watch: the server refused the credentials (401): "),
                w.err.all().toString());
        assertFalse(w.err.text().contains("not-the-secret"));
    }

    @Test
    void wrongCredentialsExit3WithOneLine() throws Exception {
        Watch w = new Watch(Map.of(), "--server", server.uri().toString(), "--token", "wrong");
        watches.add(w);
        assertEquals(Main.REFUSED, w.awaitExit());
        assertEquals(List.of("swaggersocket watch: the server refused the credentials (401): unknown token"), w.err.all());
        assertEquals(List.of(), w.out.all());
    }

    @Test
    void anUnreachableServerIsAClearErrorAtOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Watch w = new Watch(Map.of(), "--server", "ws://127.0.0.1:" + port);
        watches.add(w);
        assertEquals(Main.FAILED, w.awaitExit());
        assertEquals(List.of("swaggersocket watch: cannot reach 127.0.0.1:" + port
                + " (connection refused: is the server running?)"), w.err.all());
    }

    @Test
    void aServerGoneForGoodEndsTheWatchAfterItsAttempts() throws Exception {
        Watch w = watch("--reconnect-attempts", "2", "--ping-interval", "0");
        nextUpgrade();
        // The server sees the upgrade before the watch sees the 101: an event printed proves the
        // watch is connected, so the close below is a loss, not a failed first connect.
        server.publish("edge-1", "create");
        w.next();
        String port = String.valueOf(server.uri().getPort());
        server.close();
        assertEquals(Main.FAILED, w.awaitExit());
        List<String> err = w.err.all();
        assertEquals(3, err.size(), err.toString());
        assertTrue(err.get(0).matches("swaggersocket watch: .*; reconnecting in \\d\\.\\d s"), err.toString());
        assertTrue(err.get(1).startsWith("swaggersocket watch: cannot reach 127.0.0.1:" + port
                + " (connection refused: is the server running?); reconnecting in "), err.toString());
        assertEquals("swaggersocket watch: gave up after 2 failed attempts in a row: cannot reach 127.0.0.1:" + port
                + " (connection refused: is the server running?)", err.get(2));
    }

    @Test
    void aPathWithoutEventsIs404() throws Exception {
        Watch other = new Watch(Map.of(), "--server", server.uri() + "/somewhere", "--token", FakeEventServer.TOKEN);
        watches.add(other);
        assertEquals(Main.FAILED, other.awaitExit());
        assertEquals(List.of("swaggersocket watch: the server at " + server.uri() + "/somewhere has no event stream (404):"
                + " is it a swaggersocket server with /events?"), other.err.all());
    }

    @Test
    void aClosedOutputEndsTheWatchWithStatus0() throws Exception {
        CompletableFuture<Integer> exit = runWithBrokenOutput(Map.of(), "--token", FakeEventServer.TOKEN);
        nextUpgrade();
        server.publish("edge-1", "create");
        assertEquals(Main.OK, exit.get(20, TimeUnit.SECONDS), "as `watch | head -1` when head is done");
    }

    @Test
    void theTokenAndServerComeFromTheEnvironmentAsTheAgents() throws Exception {
        CompletableFuture<Integer> exit = runWithBrokenOutput(Map.of("SWAGGERSOCKET_TOKEN", FakeEventServer.TOKEN,
                "SWAGGERSOCKET_SERVER", server.uri() + "/tunnel", "SWAGGERSOCKET_REGISTER", "connections.create,delete.*\nx.y.z"));
        Map<String, Deque<String>> query = server.upgrades.poll(20, TimeUnit.SECONDS);
        assertTrue(query != null, "expected an upgrade within 20 s; stderr: " + brokenRunErr.all());
        assertEquals("[connections.create,delete.*, x.y.z]", query.get("register").toString(),
                "newlines separate specs, commas stay in them");
        server.publish("edge-1", "create");
        assertEquals(Main.OK, exit.get(20, TimeUnit.SECONDS), "accepted, then ended by its closed output");
    }

    private final Lines brokenRunErr = new Lines();

    /** Runs {@code watch ARGS} through Main, as the command line does, with an output that fails on the first event. */
    private CompletableFuture<Integer> runWithBrokenOutput(Map<String, String> env, String... args) {
        java.io.PrintStream broken = new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("Broken pipe");
            }
        }, true, java.nio.charset.StandardCharsets.UTF_8);
        Main.Io io = new Main.Io(broken, brokenRunErr.stream, env);
        List<String> all = new ArrayList<>(List.of("watch"));
        all.addAll(List.of(args));
        if (!env.containsKey("SWAGGERSOCKET_SERVER") && !env.containsKey("SWAGGERSOCKET_CONFIG")) {
            all.addAll(List.of("--server", server.uri().toString()));
        }
        return CompletableFuture.supplyAsync(() -> Main.run(all, io));
    }

    @Test
    void stopEndsWithStatus0() throws Exception {
        Watch w = watch();
        nextUpgrade();
        w.command.stop();
        assertEquals(Main.OK, w.awaitExit());
        watches.remove(w);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "--filter image=busybox|--filter: filter key \"image\" is unknown; known keys: container, event, key, label, name, principal, type",
        "--filter name|--filter: filter \"name\": expected key=value such as label=env=prod",
        "--filter label==x|--filter: filter label \"=x\": the label name is empty",
        "--register connections|--register: at ",
        "--register a.b.c.Bad|--register: at ",
        "--since -1|--since: expected a sequence number, 0 or more, but was -1",
        "--since x|Invalid value for option '--since'",
        "--epoch E1|--epoch needs --since",
        "--connect-timeout 0|--connect-timeout: expected 1 to 3600 seconds but was 0",
        "--ping-interval -1|--ping-interval: expected 0 to 3600 seconds but was -1",
        "--reconnect-attempts 0|--reconnect-attempts: expected 1 or more but was 0",
        "--access-key k|--access-key needs --secret-key-file or SWAGGERSOCKET_SECRET_KEY",
        "--tls-ca ca.pem|--tls-cert and --ca-cert need a wss:// --server",
        "--tls-key k.pem|--tls-cert and --tls-key go together",
    })
    void argumentErrorsExit2WithOneLine(String args, String message) throws Exception {
        List<String> all = new ArrayList<>(List.of("--server", server.uri().toString()));
        all.addAll(List.of(args.split(" ")));
        Watch w = new Watch(Map.of(), all.toArray(String[]::new));
        assertEquals(Main.USAGE, w.awaitExit());
        assertEquals(1, w.err.all().size(), w.err.all().toString());
        String line = w.err.all().get(0);
        assertTrue(line.startsWith("swaggersocket watch: ") && line.contains(message), line);
        assertTrue(line.endsWith("(try --help)"), line);
        assertTrue(server.upgrades.isEmpty(), "nothing dialed");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``|--server is required",
        "ftp://h:1|--server: expected ws://HOST:PORT or wss://HOST:PORT but was \"ftp://h:1\"",
        "ws://user:secret@h:1|--server: expected no user, query or fragment",
        "ws://h:1/events?token=x|--server: expected no user, query or fragment",
        "ws:///x|--server: expected a host",
        "ws://h:1/a b|--server: not a valid URL",
    })
    void serverErrors(String url, String message) throws Exception {
        Watch w = url.isEmpty() ? new Watch(Map.of()) : new Watch(Map.of(), "--server", url);
        assertEquals(Main.USAGE, w.awaitExit());
        assertTrue(w.err.all().get(0).contains(message), w.err.all().toString());
        assertFalse(w.err.text().contains("secret"), "never echoes credentials in a URL");
    }

    @Test
    void optionsComeFromAConfigFile(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("watch.yaml"), String.join("\n",
                "server: " + server.uri(),
                "token: " + FakeEventServer.TOKEN,
                "register: [\"connections.create.*\", \"deploys.*.*\"]",
                "filter: label=env=prod",
                ""));
        CompletableFuture<Integer> exit = runWithBrokenOutput(Map.of("SWAGGERSOCKET_CONFIG", config.toString()));
        Map<String, Deque<String>> query = server.upgrades.poll(20, TimeUnit.SECONDS);
        assertTrue(query != null, "expected an upgrade within 20 s; stderr: " + brokenRunErr.all());
        assertEquals("{\"label\":[\"env=prod\"]}", query.get("filters").getFirst());
        server.publish("edge-1", "create");
        assertEquals(Main.OK, exit.get(20, TimeUnit.SECONDS));
        assertEquals("[connections.create.*, deploys.*.*]", query.get("register").toString(), "a list: one spec each");
    }

    @Test
    void helpNamesTheOptions() throws Exception {
        Lines out = new Lines();
        Lines err = new Lines();
        assertEquals(Main.OK, Main.run(List.of("watch", "--help"), new Main.Io(out.stream, err.stream, Map.of())));
        String help = out.text();
        for (String option : List.of("--server", "--filter", "--register", "--pretty", "--since", "--epoch", "--token-file",
                "--access-key", "--secret-key-file", "--tls-cert", "--tls-key", "--ca-cert", "--reconnect-attempts")) {
            assertTrue(help.contains(option), option + " in " + help);
        }
        assertTrue(help.contains("(1 s, x1.6, up to 30 s, +-20 %)"), help);
    }

    @Test
    void theAgentsServerAddressServesToo() throws Exception {
        assertEquals("ws://h:8080/events", WatchCommand.events("ws://h:8080/tunnel").toString());
        assertEquals("ws://h:8080/events", WatchCommand.events("ws://h:8080").toString());
        assertEquals("wss://h:8443/events", WatchCommand.events("https://h:8443/").toString());
        assertEquals("ws://h/proxy/events", WatchCommand.events("http://h/proxy/events").toString());
    }
}
