package io.swaggersocket.examples.cli;

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
        assertUsage("server", List.of(), "--listen is required");
        assertUsage("server", List.of("--listen"), "--listen needs a value");
        assertUsage("server", List.of("--listen", "8080"), "--listen: expected HOST:PORT but was \"8080\"");
        assertUsage("server", List.of("--listen", "localhost:http"), "--listen: expected a port in [0, 65535] but was \"http\"");
        assertUsage("server", List.of("--listen", "localhost:70000"), "--listen: expected a port in [0, 65535] but was \"70000\"");
        assertUsage("server", List.of("--listen", "::1:80"), "--listen: put an IPv6 address in brackets, as [::1]:8080");
        assertUsage("server", List.of("--listen", "localhost:0", "--tls-cert", "c.pem"), "--tls-cert and --tls-key go together");
        assertUsage("server", List.of("--listen", "localhost:0", "--token", "a b"),
                "--token: token 1: expected a non-empty token without whitespace or control characters");
        assertUsage("server", List.of("--listen", "localhost:0", "--listen", "localhost:1"), "--listen is given twice");
        assertUsage("server", List.of("--listen", "localhost:0", "--verbose"), "unknown option --verbose");
        assertUsage("server", List.of("--public-ingress=yes", "--listen", "localhost:0"), "--public-ingress takes no value");
        assertUsage("server", List.of("serve"), "unexpected argument serve");
    }

    @Test
    void badAgentCommandLinesExit2WithAReason() {
        List<String> ok = List.of("--server", "ws://127.0.0.1:1/tunnel", "--name", "a1", "--forward", "http://127.0.0.1:2");
        assertUsage("agent", List.of("--name", "a1", "--forward", "http://127.0.0.1:2"), "--server is required");
        assertUsage("agent", List.of("--server", "ws://127.0.0.1:1/tunnel", "--forward", "http://127.0.0.1:2"),
                "--name is required");
        assertUsage("agent", List.of("--server", "ws://127.0.0.1:1/tunnel", "--name", "a1"), "--forward is required");
        assertUsage("agent", List.of("--server", "http://127.0.0.1:1/tunnel", "--name", "a1", "--forward",
                "http://127.0.0.1:2"), "--server: serverUri: expected a ws:// or wss:// address but was http://");
        assertUsage("agent", List.of("--server", "ws://127.0.0.1:1/tunnel", "--name", "a1", "--forward",
                "ftp://127.0.0.1:2"), "--forward: upstream: expected an http or https URI but was ftp://127.0.0.1:2");
        assertUsage("agent", concat(ok, "--meta", "region"), "--meta: expected KEY=VALUE but was \"region\"");
        assertUsage("agent", concat(ok, "--meta", "name=x"), "--meta: the name is given with --name");
        assertUsage("agent", concat(ok, "--token", "a b"), "--token: expected a token without spaces or control characters");
        assertUsage("agent", concat(ok, "--name", "a2"), "--name is given twice");
    }

    private static List<String> concat(List<String> base, String... more) {
        return java.util.stream.Stream.concat(base.stream(), java.util.Arrays.stream(more)).toList();
    }

    @Test
    void helpExits0AndPrintsTheUsage() {
        Lines out = new Lines();
        Lines err = new Lines();
        assertEquals(0, ServerCommand.run(List.of("--help"), out.stream, err.stream));
        assertTrue(out.text().startsWith("usage: swaggersocket server --listen HOST:PORT"), out.text());
        assertEquals(0, AgentCommand.run(List.of("--name", "x", "--help"), out.stream, err.stream));
        assertTrue(out.text().contains("usage: swaggersocket agent --server ws[s]://HOST:PORT/tunnel"), out.text());
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
    void anAgentWhoseServerIsUnreachableExits1WithoutRetrying() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            port = free.getLocalPort(); // closed again: nothing listens there now
        }
        Lines out = new Lines();
        Lines err = new Lines();
        int code = AgentCommand.run(List.of("--server", "ws://127.0.0.1:" + port + "/tunnel", "--name", "a1",
                "--forward", "http://127.0.0.1:1", "--token", "s3cret"), out.stream, err.stream);
        assertEquals(1, code);
        assertEquals(1, err.all().size(), err.all().toString());
        assertTrue(err.all().get(0).startsWith("swaggersocket agent: cannot connect to ws://127.0.0.1:" + port
                + "/tunnel: "), err.all().get(0));
        assertTrue(!err.text().contains("s3cret") && !out.text().contains("s3cret"), "the token is never shown");
    }
}
