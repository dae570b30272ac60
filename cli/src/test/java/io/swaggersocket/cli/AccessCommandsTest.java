package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands with an access file: two teams, credentials from files and the environment, signed
 * agents, refusals the agent explains, and SIGHUP reloading a real server process.
 */
@Timeout(90)
class AccessCommandsTest {
    private static final String TOKEN_A = "team-a-cli-token-Rf42";
    private static final String TOKEN_B = "team-b-cli-token-Pz19";
    private static final String KEY_ID = "AKCLI1";
    private static final String SECRET = "cli-secret-Nw77q";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private static final ConnectionConfig FAST = ConnectionConfig.builder()
            .heartbeat(Duration.ofMillis(100), Duration.ofMillis(500)).shutdownGracePeriod(Duration.ofMillis(500))
            .build();
    private static final ReconnectPolicy FAST_RECONNECT = ReconnectPolicy.builder()
            .initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200)).build();
    static final String ACCESS = String.join("\n",
            "principals:",
            "  - name: team-a",
            "    tokens: [\"" + TOKEN_A + "\"]",
            "    accessKeys: [{id: " + KEY_ID + ", secretFile: cli.secret}]",
            "    register: [\"a*\"]",
            "    call: [\"a*\"]",
            "    admin: [\"a*\"]",
            "  - name: team-b",
            "    tokens: [\"" + TOKEN_B + "\"]",
            "    register: [\"b*\"]",
            "    call: [\"b*\"]",
            "    admin: [\"*\"]",
            "");

    @TempDir
    Path dir;
    @org.junit.jupiter.api.extension.RegisterExtension
    final io.swaggersocket.testing.Resources resources = new io.swaggersocket.testing.Resources();
    private final Lines serverOut = new Lines();


    private Path file(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    private ServerCommand.Running server() throws Exception {
        file("cli.secret", SECRET + "\n");
        Path access = file("access.yaml", ACCESS);
        ServerCommand.Running server = resources.track(ServerCommand.start(ServerCommand.parse(List.of("--listen",
                "127.0.0.1:0", "--access-file", access.toString())), FAST, serverOut.stream));
        serverOut.awaitStartingWith("swaggersocket server listening: ");
        return server;
    }

    private static List<String> agentArgs(ServerCommand.Running server, String name, Upstream upstream) {
        return new ArrayList<>(List.of("--server", "ws://127.0.0.1:" + server.server().port() + "/tunnel", "--name",
                name, "--forward", upstream.uri().toString()));
    }

    private static HttpResponse<String> get(ServerCommand.Running server, String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.server().port() + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void agentsTakeCredentialsFromFilesTheEnvironmentOrASignature() throws Exception {
        Upstream upstream = resources.track(new Upstream());
        ServerCommand.Running server = server();
        Path tokenFile = file("a.token", TOKEN_A + "\n");

        List<String> byFile = agentArgs(server, "a1", upstream);
        byFile.addAll(List.of("--token-file", tokenFile.toString()));
        Lines out1 = new Lines();
        resources.track(AgentCommand.start(AgentCommand.parse(byFile), FAST, FAST_RECONNECT, out1.stream));
        out1.awaitStartingWith("connected: connection ");

        Lines out2 = new Lines();
        resources.track(AgentCommand.start(AgentCommand.parse(agentArgs(server, "b1", upstream),
                Map.of(Secrets.TOKEN_ENV, TOKEN_B)), FAST, FAST_RECONNECT, out2.stream));
        out2.awaitStartingWith("connected: connection ");

        List<String> signed = agentArgs(server, "a2", upstream);
        signed.addAll(List.of("--access-key", KEY_ID, "--secret-key-file", dir.resolve("cli.secret").toString()));
        Lines out3 = new Lines();
        resources.track(AgentCommand.start(AgentCommand.parse(signed), FAST, FAST_RECONNECT, out3.stream));
        out3.awaitStartingWith("connected: connection ");

        assertEquals(200, get(server, "/agents/a2/hello", TOKEN_A).statusCode());
        assertEquals(403, get(server, "/agents/b1/hello", TOKEN_A).statusCode());
        String listA = get(server, "/connections", TOKEN_A).body();
        assertTrue(listA.contains("\"a1\"") && listA.contains("\"a2\"") && !listA.contains("\"b1\""), listA);
        assertTrue(listA.contains("\"credential\":\"access key " + KEY_ID + "\""), listA);
        String all = serverOut.text() + out1.text() + out2.text() + out3.text();
        for (String secret : List.of(TOKEN_A, TOKEN_B, SECRET)) {
            assertFalse(all.contains(secret), "a secret in the commands' output");
        }
    }

    @Test
    void anAgentRefusedItsNameOrCredentialsExitsSayingWhy() throws Exception {
        Upstream upstream = resources.track(new Upstream());
        ServerCommand.Running server = server();
        Lines out = new Lines();
        Lines err = new Lines();
        List<String> outside = agentArgs(server, "b7", upstream);
        int code = AgentCommand.run(outside, Map.of(Secrets.TOKEN_ENV, TOKEN_A), out.stream, err.stream);
        assertEquals(Main.REFUSED, code);
        assertEquals(1, err.all().size(), err.text());
        assertTrue(err.text().startsWith("swaggersocket agent: the server refused this agent (403): "), err.text());
        assertTrue(err.text().contains("403"), err.text());
        assertTrue(err.text().contains("principal team-a may not register agent name \\\"b7\\\""), err.text());

        Lines err2 = new Lines();
        assertEquals(Main.REFUSED, AgentCommand.run(agentArgs(server, "a1", upstream), Map.of(Secrets.TOKEN_ENV,
                "wrong-token"), new Lines().stream, err2.stream));
        assertTrue(err2.text().startsWith("swaggersocket agent: the server refused the credentials (401): "), err2.text());
        assertTrue(err2.text().contains("invalid token"), err2.text());
    }

    @Test
    void badCredentialOptionsExit2() {
        List<String> ok = List.of("--server", "ws://127.0.0.1:1/tunnel", "--name", "a1", "--forward",
                "http://127.0.0.1:2");
        assertUsage(concat(ok, "--token", "t", "--token-file", "f"), "--token and --token-file do not go together");
        assertUsage(concat(ok, "--token-file", dir.resolve("nope").toString()),
                "--token-file: cannot read " + dir.resolve("nope") + ": no such file");
        assertUsage(concat(ok, "--access-key", "AK"), "--access-key needs --secret-key-file or "
                + Secrets.SECRET_KEY_ENV);
        assertUsage(concat(ok, "--tls-ca", "ca.pem"), "--tls-cert and --ca-cert need a wss:// --server");
        assertUsage(concat(ok, "--forward-max-connections", "0"),
                "--forward-max-connections: maxConnections: 0 is out of range [1, 100000]");
        assertUsage(concat(ok, "--forward-max-connections", "many"),
                "--forward-max-connections: expected a number but was \"many\"");
        Lines err = new Lines();
        assertEquals(2, ServerCommand.run(List.of("--listen", "127.0.0.1:0", "--access-file", "a", "--token", "t"),
                Map.of(), new Lines().stream, err.stream));
        assertEquals(List.of("swaggersocket server: --token and --access-file do not go together: list the token in"
                + " the file (try --help)"), err.all());
    }

    @Test
    void theForwardPoolSizeIsAnOption() throws Exception {
        List<String> ok = List.of("--server", "ws://127.0.0.1:1/tunnel", "--name", "a1", "--forward",
                "http://127.0.0.1:2");
        assertEquals(io.swaggersocket.client.ForwardingHandler.DEFAULT_MAX_CONNECTIONS,
                AgentCommand.parse(ok).forwardMaxConnections());
        assertEquals(3, AgentCommand.parse(concat(ok, "--forward-max-connections", "3")).forwardMaxConnections());
    }

    @Test
    void redirectsAreRewrittenUnlessKeptOnEitherSide() throws Exception {
        List<String> agent = List.of("--server", "ws://127.0.0.1:1/tunnel", "--name", "a1", "--forward",
                "http://127.0.0.1:2");
        assertEquals(false, AgentCommand.parse(agent).keepRedirects());
        assertEquals(true, AgentCommand.parse(concat(agent, "--keep-redirects")).keepRedirects());
        List<String> server = List.of("--listen", "127.0.0.1:0");
        assertEquals(false, ServerCommand.parse(server).keepRedirects());
        assertEquals(true, ServerCommand.parse(concat(server, "--keep-redirects")).keepRedirects());
    }

    private static void assertUsage(List<String> args, String reason) {
        Lines err = new Lines();
        assertEquals(2, AgentCommand.run(args, Map.of(), new Lines().stream, err.stream), err.text());
        assertEquals(List.of("swaggersocket agent: " + reason + " (try --help)"), err.all());
    }

    private static List<String> concat(List<String> a, String... more) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }

    @Test
    void sighupReloadsTheAccessFileOfARealServerProcess() throws Exception {
        file("cli.secret", SECRET + "\n");
        Path access = file("access.yaml", ACCESS);
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        // A SIGHUP ignored by whoever started this test (nohup) stays ignored in a child, and the JVM
        // then keeps it so: perl (part of every Debian system) sets it back to the default first.
        Process process = new ProcessBuilder("perl", "-e", "$SIG{HUP} = 'DEFAULT'; exec @ARGV or die $!",
                java.toString(), "-cp", System.getProperty("java.class.path"), "io.swaggersocket.cli.Main", "server",
                "--listen", "127.0.0.1:0", "--access-file", access.toString())
                .redirectErrorStream(true).start();
        resources.track(() -> {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        });
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        String listening = awaitLine(lines, "swaggersocket server listening: ");
        int port = Integer.parseInt(listening.replaceAll(".*ws://127\\.0\\.0\\.1:(\\d+)/tunnel.*", "$1"));
        URI connections = URI.create("http://127.0.0.1:" + port + "/connections");

        Files.writeString(access, ACCESS + "  - name: late\n    tokens: [\"late-token-Ym30\"]\n    admin: [\"*\"]\n");
        hangUp(process);
        assertEquals("reloaded the access file", awaitLine(lines, "reloaded"));
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(connections).header("Authorization",
                "Bearer late-token-Ym30").build(), HttpResponse.BodyHandlers.ofString()).statusCode());

        Files.writeString(access, "principals:\n  - name: x\n    tokens: [\"late-token-Ym30\"]\n    colour: red\n");
        hangUp(process);
        String refused = awaitLine(lines, "access file not reloaded");
        assertTrue(refused.contains("line 4: unknown field \"colour\""), refused);
        assertFalse(refused.contains("late-token"), refused);
        assertTrue(process.isAlive(), "SIGHUP never ends the server");
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(connections).header("Authorization",
                "Bearer " + TOKEN_B).build(), HttpResponse.BodyHandlers.ofString()).statusCode(), "the old policy stays");
    }

    private static void hangUp(Process process) throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    private static String awaitLine(BlockingQueue<String> lines, String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<String> skipped = new ArrayList<>();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no line starting with \"" + prefix + "\" within 30 s; the process printed "
                        + skipped);
            }
            skipped.add(line);
            // a log line: "TIME LEVEL LOGGER - MESSAGE"; the message is what the test reads
            int dash = line.indexOf(" - ");
            String message = dash < 0 ? line : line.substring(dash + 3);
            if (message.startsWith(prefix)) {
                return message;
            }
        }
    }
}
