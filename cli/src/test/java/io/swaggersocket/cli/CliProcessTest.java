package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command as an operator runs it: separate processes for the server and the agent, settings
 * from flags, the environment and config files, JSON logs, SIGTERM, a server restart, a refusal.
 */
@Timeout(120)
class CliProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "cli-process-token-8Qd1";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path dir;
    @org.junit.jupiter.api.extension.RegisterExtension
    final io.swaggersocket.testing.Resources resources = new io.swaggersocket.testing.Resources();


    @Test
    void versionAndCompletion() throws Exception {
        CliProcess version = resources.track(CliProcess.start(Map.of(), "--version"));
        assertEquals(0, version.exit(30));
        assertTrue(version.lines().get(0).matches("swaggersocket \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), version.output());

        CliProcess completion = resources.track(CliProcess.start(Map.of(), "completion"));
        assertEquals(0, completion.exit(30));
        String script = completion.output();
        assertTrue(script.contains("complete -F _complete_swaggersocket") && script.contains("swaggersocket"), script);
        for (String word : List.of("server", "agent", "sign", "demo", "--forward", "--listen", "--config")) {
            assertTrue(script.contains(word), word);
        }
    }

    @Test
    void twoForwardsJsonLogsPrecedenceAndAServerRestart() throws Exception {
        Upstream api = resources.track(new Upstream());
        Upstream ui = resources.track(new Upstream());
        int port = freePort();
        Path tokenFile = Files.writeString(dir.resolve("token"), "  " + TOKEN + "\n");
        // server: the file says port 1 and the environment port 2; the flag wins. The token comes
        // from the file alone (else a token would be generated and printed).
        Path serverYaml = Files.writeString(dir.resolve("server.yaml"), "listen: 127.0.0.1:1\ntoken-file: " + tokenFile
                + "\nlog-format: json\n");
        Map<String, String> serverEnv = Map.of("SWAGGERSOCKET_LISTEN", "127.0.0.1:2");
        String[] serverArgs = {"server", "--config", serverYaml.toString(), "--listen", "127.0.0.1:" + port};
        CliProcess server = resources.track(CliProcess.start(serverEnv, serverArgs));
        JsonNode listening = json(server.awaitContaining("swaggersocket server listening"));
        assertTrue(listening.path("message").asText().contains("ws://127.0.0.1:" + port + "/tunnel"), listening.toString());
        assertEquals("INFO", listening.path("level").asText());
        assertEquals("swaggersocket.server", listening.path("loggerName").asText());
        assertTrue(listening.path("timestamp").asLong() > 0, listening.toString());

        // agent: the file names a server that is not there; the environment's wins. Its two
        // forwards come from the file, as a list.
        Path agentYaml = Files.writeString(dir.resolve("agent.yaml"), String.join("\n",
                "server: ws://127.0.0.1:1/tunnel",
                "name: a1",
                "forward:",
                "  - /api=" + api.uri(),
                "  - /ui=" + ui.uri() + "/base",
                "token-file: " + tokenFile,
                "log-format: json", ""));
        CliProcess agent = resources.track(CliProcess.start(Map.of("SWAGGERSOCKET_SERVER", "ws://127.0.0.1:" + port + "/tunnel"),
                "agent", "--config", agentYaml.toString()));
        JsonNode connected = json(agent.await(l -> l.contains("\"connected: connection "), "connected", 30));
        assertEquals("connected", field(connected, "event"), connected.toString());
        JsonNode serverSaw = json(server.awaitContaining("agent a1 (connection "));
        assertEquals("a1", field(serverSaw, "agent"), serverSaw.toString());

        assertEquals("hello from upstream GET /hello?x=1", get(port, "/agents/a1/api/hello?x=1").body());
        assertEquals("hello from upstream GET /base/hello", get(port, "/agents/a1/ui/hello").body());
        HttpResponse<String> none = get(port, "/agents/a1/other");
        assertEquals(404, none.statusCode());
        JsonNode error = JSON.readTree(none.body());
        assertTrue(error.path("error").asText().contains("/other"), none.body());
        assertEquals("[\"/api\",\"/ui\"]", error.path("forwards").toString());

        // SIGTERM: the server drains and exits 0, the agent says it lost the tunnel and retries
        server.terminate();
        assertEquals(0, server.exit(60), server.output());
        JsonNode lost = json(agent.await(l -> l.contains("\"disconnected\"") || l.contains("\"retry\""), "lost", 30));
        assertFalse(field(lost, "reason").isEmpty(), lost.toString());

        CliProcess again = resources.track(CliProcess.start(serverEnv, serverArgs));
        again.awaitContaining("swaggersocket server listening");
        agent.await(l -> l.contains("\"connected: connection "), "connected again", 60);
        again.awaitContaining("agent a1 (connection "); // registered on the server's side too
        assertEquals("hello from upstream GET /hello", get(port, "/agents/a1/api/hello").body());

        agent.terminate();
        assertEquals(0, agent.exit(60), agent.output());
        for (String line : agent.lines()) {
            JsonNode node = json(line); // every line is one JSON object
            assertTrue(node.has("level") && node.has("message") && node.has("loggerName"), line);
        }
        assertFalse(agent.output().contains(TOKEN) || server.output().contains(TOKEN) || again.output().contains(TOKEN),
                "the token is never logged");
    }

    @Test
    void anAgentRefusedItsNameExitsWith3() throws Exception {
        Upstream upstream = resources.track(new Upstream());
        Path access = Files.writeString(dir.resolve("access.yaml"), String.join("\n",
                "principals:",
                "  - name: team-a",
                "    tokens: [\"" + TOKEN + "\"]",
                "    register: [\"a*\"]",
                "    call: [\"a*\"]", ""));
        int port = freePort();
        CliProcess server = resources.track(CliProcess.start(Map.of(), "server", "--listen", "127.0.0.1:" + port,
                "--access-file", access.toString()));
        server.awaitContaining("swaggersocket server listening");
        CliProcess agent = resources.track(CliProcess.start(Map.of("SWAGGERSOCKET_TOKEN", TOKEN), "agent", "--server",
                "ws://127.0.0.1:" + port + "/tunnel", "--name", "b1", "--forward", upstream.uri().toString()));
        assertEquals(Main.REFUSED, agent.exit(60), agent.output());
        assertTrue(agent.output().contains("swaggersocket agent: the server refused this agent (403): "), agent.output());
        assertTrue(agent.output().contains("may not register agent name"), agent.output());
        server.awaitContaining("refused with 403"); // the server logs the refusal too
        assertFalse(agent.output().contains(TOKEN) || server.output().contains(TOKEN), "the token is never logged");
    }

    @Test
    void anAgentTrustsAPrivateCaWithCaCert() throws Exception {
        // a CA, and a server certificate for 127.0.0.1 it issued: nothing the system trusts
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=Test Private CA", "-ext", "bc:c", "-keyalg", "EC",
                "-groupname", "secp256r1", "-validity", "2", "-keystore", dir.resolve("ca.p12").toString(),
                "-storetype", "PKCS12", "-storepass", "changeit");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", dir.resolve("ca.p12").toString(), "-storepass",
                "changeit", "-file", dir.resolve("ca.pem").toString());
        keytool("-genkeypair", "-alias", "server", "-dname", "CN=localhost", "-keyalg", "EC", "-groupname", "secp256r1",
                "-validity", "2", "-keystore", dir.resolve("server.p12").toString(), "-storetype", "PKCS12",
                "-storepass", "changeit");
        keytool("-certreq", "-alias", "server", "-keystore", dir.resolve("server.p12").toString(), "-storepass",
                "changeit", "-file", dir.resolve("server.csr").toString());
        keytool("-gencert", "-alias", "ca", "-keystore", dir.resolve("ca.p12").toString(), "-storepass", "changeit",
                "-infile", dir.resolve("server.csr").toString(), "-outfile", dir.resolve("server.pem").toString(), "-rfc",
                "-validity", "2", "-ext", "SAN=ip:127.0.0.1", "-ext", "EKU=serverAuth");
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(dir.resolve("server.p12"))) {
            store.load(in, "changeit".toCharArray());
        }
        byte[] key = store.getKey("server", "changeit".toCharArray()).getEncoded();
        Path keyPem = Files.writeString(dir.resolve("server-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key) + "\n-----END PRIVATE KEY-----\n");
        Path chain = Files.writeString(dir.resolve("chain.pem"), Files.readString(dir.resolve("server.pem"))
                + Files.readString(dir.resolve("ca.pem")));

        Upstream upstream = resources.track(new Upstream());
        int port = freePort();
        CliProcess server = resources.track(CliProcess.start(Map.of("SWAGGERSOCKET_TOKEN", TOKEN), "server", "--listen",
                "127.0.0.1:" + port, "--tls-cert", chain.toString(), "--tls-key", keyPem.toString()));
        server.awaitContaining("swaggersocket server listening: tunnel wss://");
        CliProcess agent = resources.track(CliProcess.start(Map.of("SWAGGERSOCKET_TOKEN", TOKEN,
                "SWAGGERSOCKET_CA_CERT", dir.resolve("ca.pem").toString()), "agent", "--server",
                "wss://127.0.0.1:" + port + "/tunnel", "--name", "a1", "--forward", upstream.uri().toString()));
        agent.awaitContaining("connected: connection ");
        server.awaitContaining("agent a1 (connection ");
    }

    private void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, p.exitValue(), "keytool " + args[0] + ": " + output);
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(String line) throws IOException {
        return JSON.readTree(line);
    }

    /** A key field of a JSON log line: Logback's JsonEncoder writes them as kvpList [{"key":"value"}, ...]. */
    private static String field(JsonNode line, String key) {
        for (JsonNode pair : line.path("kvpList")) {
            if (pair.has(key)) {
                return pair.path(key).asText();
            }
        }
        return "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
