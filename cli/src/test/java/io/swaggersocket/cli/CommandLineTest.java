package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Exit codes and messages of the commands when they cannot run: no server or agent stays up. */
@Timeout(60)
class CommandLineTest {

    /** Runs {@code command} and checks exit code 2 with one line on err, naming {@code reason}. */
    private static void assertUsage(String command, List<String> args, String reason) {
        Lines out = new Lines();
        Lines err = new Lines();
        int code = command.equals("server") ? ServerCommand.run(args, out.stream, err.stream)
                : AgentCommand.run(args, out.stream, err.stream);
        assertEquals(2, code, args + ": " + err.all());
        assertEquals(List.of("swaggersocket " + command + ": " + reason + " (try --help)"), err.all(), args.toString());
        assertEquals(List.of(), out.all());
    }

    @Test
    void badServerCommandLinesExit2WithAReason() {
        assertUsage("server", List.of("--listen"), "Missing required parameter for option '--listen' ([HOST:]PORT)");
        assertUsage("server", List.of("--listen", "localhost:http"),
                "--listen: expected PORT, :PORT or HOST:PORT with a port in [0, 65535] but was \"localhost:http\"");
        assertUsage("server", List.of("--listen", "localhost:70000"),
                "--listen: expected PORT, :PORT or HOST:PORT with a port in [0, 65535] but was \"localhost:70000\"");
        assertUsage("server", List.of("--listen", "::1:80"), "--listen: put an IPv6 address in brackets, as [::1]:8080");
        assertUsage("server", List.of("--listen", "localhost:0", "--tls-cert", "c.pem"), "--tls-cert and --tls-key go together");
        assertUsage("server", List.of("--listen", "localhost:0", "--token", "a b"),
                "--token: token 1: expected a non-empty token without whitespace or control characters");
        assertUsage("server", List.of("--listen", "localhost:0", "--listen", "localhost:1"), "option '--listen' ([HOST:]PORT) should be specified only once");
        assertUsage("server", List.of("--listen", "localhost:0", "--verbose"), "Unknown option: '--verbose'");
        assertUsage("server", List.of("--public-ingress=yes", "--listen", "localhost:0"), "Invalid value for option '--public-ingress': 'yes' is not a boolean");
        assertUsage("server", List.of("serve"), "Unmatched argument at index 1: 'serve'");
    }

    @Test
    void badAgentCommandLinesExit2WithAReason() {
        List<String> ok = List.of("--server", "ws://127.0.0.1:1/tunnel", "--name", "a1", "--forward", "http://127.0.0.1:2");
        assertUsage("agent", List.of("--name", "a1", "--forward", "http://127.0.0.1:2"), "--server is required (or SWAGGERSOCKET_SERVER)");
        assertUsage("agent", List.of("--server", "ws://127.0.0.1:1/tunnel", "--forward", "http://127.0.0.1:2"),
                "--name is required (or SWAGGERSOCKET_NAME)");
        assertUsage("agent", List.of("--server", "ws://127.0.0.1:1/tunnel", "--name", "a1"), "--forward is required (or SWAGGERSOCKET_FORWARD)");
        assertUsage("agent", List.of("--server", "http://127.0.0.1:1/tunnel", "--name", "a1", "--forward",
                "http://127.0.0.1:2"), "--server: expected a ws:// or wss:// address but was http://");
        assertUsage("agent", List.of("--server", "ws://127.0.0.1:1/tunnel", "--name", "a1", "--forward",
                "ftp://127.0.0.1:2"), "--forward: expected an http:// or https:// URL such as http://127.0.0.1:8080 (or PATH=URL) but was \"ftp://127.0.0.1:2\"");
        assertUsage("agent", concat(ok, "--meta", "region"), "--meta: expected KEY=VALUE but was \"region\"");
        assertUsage("agent", concat(ok, "--meta", "name=x"), "--meta: the name is given with --name");
        assertUsage("agent", concat(ok, "--token", "a b"), "--token: expected a token without spaces or control characters");
        assertUsage("agent", concat(ok, "--name", "a2"), "option '--name' (NAME) should be specified only once");
    }

    private static List<String> concat(List<String> base, String... more) {
        return java.util.stream.Stream.concat(base.stream(), java.util.Arrays.stream(more)).toList();
    }

    @Test
    void helpExits0AndPrintsTheUsage() {
        Lines out = new Lines();
        Lines err = new Lines();
        assertEquals(0, ServerCommand.run(List.of("--help"), out.stream, err.stream));
        assertTrue(out.text().contains("Usage: swaggersocket server [-hV]"), out.text());
        assertEquals(0, AgentCommand.run(List.of("--name", "x", "--help"), out.stream, err.stream));
        assertTrue(out.text().contains("Usage: swaggersocket agent [-hV]"), out.text());
        assertEquals(List.of(), err.all());
    }

    @Test
    void aTakenPortExits1() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Lines out = new Lines();
            Lines err = new Lines();
            int code = ServerCommand.run(List.of("--listen", "127.0.0.1:" + taken.getLocalPort(), "--token", "t0k3n"),
                    out.stream, err.stream);
            assertEquals(1, code);
            assertEquals(1, err.all().size(), err.all().toString());
            assertTrue(err.all().get(0).startsWith("swaggersocket server: cannot listen on 127.0.0.1:"
                    + taken.getLocalPort() + ": "), err.all().get(0));
            assertTrue(!err.text().contains("t0k3n") && !out.text().contains("t0k3n"), "the token is never shown");
        }
    }

    @Test
    void anUnreadableTokensFileOrCertificateExits1() {
        Lines err = new Lines();
        assertEquals(1, ServerCommand.run(List.of("--listen", "127.0.0.1:0", "--tokens-file", "/nonexistent/tokens"),
                new Lines().stream, err.stream));
        assertEquals(List.of("swaggersocket server: cannot read access file /nonexistent/tokens: no such file"), err.all());
        Lines err2 = new Lines();
        assertEquals(1, ServerCommand.run(List.of("--listen", "127.0.0.1:0", "--token", "t", "--tls-cert", "/nonexistent/c.pem",
                "--tls-key", "/nonexistent/k.pem"), new Lines().stream, err2.stream));
        assertEquals(List.of("swaggersocket server: cannot read certificate /nonexistent/c.pem: no such file"), err2.all());
    }

    @Test
    void anAgentWhoseServerIsUnreachableRetriesSayingSoUntilStopped() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            port = free.getLocalPort(); // closed again: nothing listens there now
        }
        Lines out = new Lines();
        AgentCommand.Options options = AgentCommand.parse(List.of("--server", "ws://127.0.0.1:" + port + "/tunnel",
                "--name", "a1", "--forward", "http://127.0.0.1:1", "--token", "s3cret"));
        AgentCommand.Running running = AgentCommand.start(options, io.swaggersocket.mux.ConnectionConfig.defaults(),
                FAST_RETRY, EventLog.printing(out.stream));
        AgentSupervisor supervisor = new AgentSupervisor(running, FAST_RETRY, EventLog.printing(out.stream),
                new Lines().stream, false);
        java.util.concurrent.CompletableFuture<Integer> code = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return supervisor.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            String first = out.awaitStartingWith("cannot reach 127.0.0.1:" + port);
            assertTrue(first.matches(".*\\(connection refused: is the server running\\?\\); retrying in \\d+\\.\\d s"), first);
            out.awaitStartingWith("cannot reach 127.0.0.1:" + port); // a second attempt: it keeps trying
        } finally {
            supervisor.stop();
        }
        assertEquals(Main.OK, code.get(20, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(!out.text().contains("s3cret"), "the token is never shown");
    }

    private static final io.swaggersocket.client.ReconnectPolicy FAST_RETRY = io.swaggersocket.client.ReconnectPolicy
            .builder().initialDelay(java.time.Duration.ofMillis(50)).maxDelay(java.time.Duration.ofMillis(200)).build();
}
