package io.swaggersocket.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.testing.FaultRelay;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server and agent commands in-process, with a local HTTP service behind the agent: calls
 * through the ingress, an agent dropped by the admin API, an agent killed, TLS.
 */
@Timeout(60)
class TunnelCommandsTest {
    private static final String TOKEN = "cli-test-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    /** Finds a dead or half-open peer within half a second. */
    private static final ConnectionConfig FAST = ConnectionConfig.builder()
            .heartbeat(Duration.ofMillis(100), Duration.ofMillis(500))
            .shutdownGracePeriod(Duration.ofMillis(500))
            .build();
    private static final ReconnectPolicy FAST_RECONNECT = ReconnectPolicy.builder()
            .initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofMillis(200)).build();
    private static final Pattern CONNECTED = Pattern.compile("connected: connection (\\S+), forwarding to .*");

    @org.junit.jupiter.api.extension.RegisterExtension
    final io.swaggersocket.testing.Resources resources = new io.swaggersocket.testing.Resources();
    private final Lines serverOut = new Lines();


    private ServerCommand.Running server(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0"));
        args.addAll(List.of(extra));
        ServerCommand.Running server = resources.track(ServerCommand.start(ServerCommand.parse(args), FAST, serverOut.stream));
        serverOut.awaitStartingWith("swaggersocket server listening: ");
        return server;
    }

    /** Starts an agent and waits until the server has it; returns the agent and its connection id. */
    private record Agent(AgentCommand.Running running, Lines out, String connectionId) {
    }

    private Agent agent(String serverUri, Upstream upstream, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--server", serverUri, "--name", "a1", "--forward",
                upstream.uri().toString()));
        args.addAll(List.of(extra));
        Lines out = new Lines();
        AgentCommand.Running running = resources.track(AgentCommand.start(AgentCommand.parse(args), FAST, FAST_RECONNECT, out.stream));
        out.awaitStartingWith("connecting to ");
        String id = connectedId(out);
        serverOut.await(l -> l.startsWith("agent a1 (connection " + id + ") connected from"), "for " + id);
        return new Agent(running, out, id);
    }

    private static String connectedId(Lines out) throws InterruptedException {
        Matcher m = CONNECTED.matcher(out.awaitStartingWith("connected: connection "));
        assertTrue(m.matches());
        return m.group(1);
    }

    private static URI tunnel(ServerCommand.Running server) {
        return URI.create("ws://127.0.0.1:" + server.server().port() + "/tunnel");
    }

    private static HttpResponse<String> call(String method, URI uri, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI at(ServerCommand.Running server, String path) {
        return URI.create("http://127.0.0.1:" + server.server().port() + path);
    }

    @Test
    void anIngressCallReachesTheServiceBehindTheAgent() throws Exception {
        Upstream upstream = resources.track(new Upstream());
        ServerCommand.Running server = server("--token", TOKEN);
        Agent agent = agent(tunnel(server).toString(), upstream, "--token", TOKEN, "--meta", "region=eu");

        HttpResponse<String> hello = call("GET", at(server, "/agents/a1/hello/there?x=1"), null);
        assertEquals(200, hello.statusCode());
        assertEquals("hello from upstream GET /hello/there?x=1", hello.body());
        HttpResponse<String> echo = call("POST", at(server, "/agents/a1/echo"), "ping through the tunnel");
        assertEquals("ping through the tunnel", echo.body());

        JsonNode connections = JSON.readTree(call("GET", at(server, "/connections"), null).body());
        assertEquals(1, connections.size());
        assertEquals(agent.connectionId(), connections.get(0).path("id").asText());
        assertEquals("eu", connections.get(0).path("metadata").path("region").asText());
        assertEquals("default", connections.get(0).path("principal").asText(), "--token: the one full-access principal");
        assertEquals(401, HTTP.send(HttpRequest.newBuilder(at(server, "/agents/a1/hello")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertFalse(serverOut.text().contains(TOKEN) || agent.out().text().contains(TOKEN), "tokens are never printed");

        agent.running().close();
        agent.out().awaitStartingWith("stopped");
        serverOut.awaitStartingWith("agent a1 (connection " + agent.connectionId() + ") disconnected");
        server.close();
        serverOut.awaitStartingWith("stopped");
    }

    @Test
    void withoutATokenTheServerGeneratesOneAndPrintsItOnce() throws Exception {
        ServerCommand.Running server = resources.track(ServerCommand.start(ServerCommand.parse(List.of("--listen", "127.0.0.1:0")),
                FAST, serverOut.stream));
        String line = serverOut.awaitStartingWith("generated token");
        String token = line.substring(line.lastIndexOf(' ') + 1);
        assertEquals(43, token.length(), line);
        String listening = serverOut.awaitStartingWith("swaggersocket server listening: ");
        int port = server.server().port();
        assertEquals("swaggersocket server listening: tunnel ws://127.0.0.1:" + port + "/tunnel, ingress http://127.0.0.1:"
                + port + "/agents/{name}/, admin http://127.0.0.1:" + port + "/connections", listening);
        assertEquals(1, serverOut.all().stream().filter(l -> l.contains(token)).count(), "printed once");
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(at(server, "/connections?token=" + token)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(401, HTTP.send(HttpRequest.newBuilder(at(server, "/connections")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    @Test
    void anAgentDroppedByTheAdminApiReconnects() throws Exception {
        Upstream upstream = resources.track(new Upstream());
        ServerCommand.Running server = server("--token", TOKEN);
        Agent agent = agent(tunnel(server).toString(), upstream, "--token", TOKEN);

        assertEquals(204, call("DELETE", at(server, "/connections/" + agent.connectionId()), null).statusCode());
        String lost = agent.out().awaitStartingWith("lost connection " + agent.connectionId() + ": ");
        assertTrue(lost.matches(".*; retrying in \\d+\\.\\d s"), lost);
        serverOut.awaitStartingWith("agent a1 (connection " + agent.connectionId() + ") disconnected");
        agent.out().awaitStartingWith("connecting to ");
        String next = connectedId(agent.out());
        serverOut.await(l -> l.startsWith("agent a1 (connection " + next + ") connected from"), "for " + next);

        assertFalse(next.equals(agent.connectionId()));
        JsonNode connections = JSON.readTree(call("GET", at(server, "/connections"), null).body());
        assertEquals(1, connections.size());
        assertEquals(next, connections.get(0).path("id").asText());
        assertEquals(200, call("GET", at(server, "/agents/a1/hello"), null).statusCode());
    }

    @Test
    void aKilledAgentGives502ForTheCallInFlightThen404AndARestartRestoresService() throws Exception {
        Upstream upstream = resources.track(new Upstream());
        ServerCommand.Running server = server("--token", TOKEN);
        FaultRelay network = resources.track(new FaultRelay(server.server().port()));
        Agent agent = agent("ws://127.0.0.1:" + network.port() + "/tunnel", upstream, "--token", TOKEN);

        CompletableFuture<HttpResponse<String>> inFlight = HTTP.sendAsync(HttpRequest.newBuilder(
                at(server, "/agents/a1/slow")).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertTrue(upstream.slowEntered.await(10, TimeUnit.SECONDS));

        // The agent's machine vanishes: no close, no reset, nothing more on the wire. Its process
        // is stopped too, so that it cannot come back through another connection.
        network.stall();
        Thread stop = new Thread(agent.running()::close, "stop-agent");
        stop.start();

        HttpResponse<String> lost = inFlight.get(20, TimeUnit.SECONDS);
        assertEquals(502, lost.statusCode(), lost.body());
        assertTrue(lost.body().startsWith("{\"error\":\"lost agent \\\"a1\\\""), lost.body());
        String gone = serverOut.awaitStartingWith("agent a1 (connection " + agent.connectionId() + ") lost: ");
        assertTrue(gone.contains("heartbeat"), "only the heartbeat could tell: " + gone);
        HttpResponse<String> missing = call("GET", at(server, "/agents/a1/hello"), null);
        assertEquals(404, missing.statusCode());
        assertEquals("{\"error\":\"no agent named \\\"a1\\\" is connected\"}", missing.body());

        agent(tunnel(server).toString(), upstream, "--token", TOKEN);
        HttpResponse<String> back = call("GET", at(server, "/agents/a1/hello"), null);
        assertEquals(200, back.statusCode());
        assertEquals("hello from upstream GET /hello", back.body());
        stop.join(TimeUnit.SECONDS.toMillis(20));
    }

    @Test
    void anAgentWithAWrongTokenExits3() throws Exception {
        Upstream upstream = resources.track(new Upstream());
        ServerCommand.Running server = server("--token", TOKEN);
        Lines out = new Lines();
        Lines err = new Lines();
        int code = AgentCommand.run(List.of("--server", tunnel(server).toString(), "--name", "a1", "--forward",
                upstream.uri().toString(), "--token", "not-the-token"), out.stream, err.stream);
        assertEquals(Main.REFUSED, code);
        assertTrue(err.all().get(0).startsWith("swaggersocket agent: the server refused the credentials (401): "), err.text());
        assertFalse(err.text().contains("not-the-token"));
    }

    @Test
    void tlsWithPemFilesAndAnAgentThatSkipsVerification(@TempDir Path dir) throws Exception {
        Certificate certificate = selfSigned(dir);
        Upstream upstream = resources.track(new Upstream());
        Path tokens = Files.writeString(dir.resolve("tokens"), "# operators\n" + TOKEN + "\n");
        ServerCommand.Running server = server("--tokens-file", tokens.toString(), "--tls-cert",
                dir.resolve("cert.pem").toString(), "--tls-key", dir.resolve("key.pem").toString());
        String listening = serverOut.all().stream().filter(l -> l.startsWith("swaggersocket server listening")).findFirst()
                .orElseThrow();
        assertTrue(listening.contains("tunnel wss://127.0.0.1:") && listening.contains("ingress https://127.0.0.1:"),
                listening);
        String wss = "wss://127.0.0.1:" + server.server().port() + "/tunnel";

        // a self-signed certificate is not trusted by default (one attempt: the command would retry)
        IOException untrusted = assertThrows(IOException.class, () -> AgentCommand.start(AgentCommand.parse(List.of(
                "--server", wss, "--name", "a1", "--forward", upstream.uri().toString(), "--token", TOKEN)), FAST,
                FAST_RECONNECT, new Lines().stream));
        assertTrue(untrusted.getMessage().startsWith("cannot connect to " + wss + ": "), untrusted.getMessage());

        // trusted as a private CA with --ca-cert
        Lines trusted = new Lines();
        try (AgentCommand.Running viaCa = AgentCommand.start(AgentCommand.parse(List.of("--server", wss, "--name", "ca1",
                "--forward", upstream.uri().toString(), "--token", TOKEN, "--ca-cert", dir.resolve("cert.pem").toString())),
                FAST, FAST_RECONNECT, trusted.stream)) {
            assertTrue(viaCa.client().connection().isPresent(), trusted.text());
        }

        agent(wss, upstream, "--token", TOKEN, "--insecure-skip-verify");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(client).build();
        HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.server().port()
                + "/agents/a1/hello")).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("hello from upstream GET /hello", r.body());
    }

    @Test
    void anAgentServesItsMetricsOnLoopbackWithMetricsPort() throws Exception {
        Upstream upstream = resources.track(new Upstream());
        ServerCommand.Running server = server("--token", TOKEN);
        Agent agent = agent(tunnel(server).toString(), upstream, "--token", TOKEN, "--metrics-port", "0");
        assertEquals(200, call("GET", at(server, "/agents/a1/hello"), null).statusCode());
        java.net.InetSocketAddress metrics = agent.running().client().metricsAddress().orElseThrow();
        assertTrue(metrics.getAddress().isLoopbackAddress(), metrics.toString());
        assertTrue(agent.out().text().contains("agent metrics on http://"), agent.out().text());
        String scrape = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics.getPort() + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(scrape.contains("swaggersocket_client_connected 1.0"), scrape);
        assertThrows(UsageException.class, () -> AgentCommand.parse(List.of("--server", "ws://127.0.0.1:1/tunnel",
                "--name", "x", "--forward", upstream.uri().toString(), "--metrics-port", "70000")));
    }

    @Test
    void anEncryptedKeyIsReadWithItsPasswordFile(@TempDir Path dir) throws Exception {
        selfSigned(dir);
        PrivateKey key = readPkcs8(dir.resolve("key.pem"));
        var encryptor = new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(
                org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC).setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).setPassword("s3cret pass".toCharArray()).build();
        try (var writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(Files.newBufferedWriter(dir.resolve("enc.pem")))) {
            writer.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, encryptor));
        }
        Files.writeString(dir.resolve("pass.txt"), "s3cret pass\n");
        Files.writeString(dir.resolve("wrong.txt"), "not it\n");
        Upstream upstream = resources.track(new Upstream());
        IOException wrong = assertThrows(IOException.class, () -> server("--token", TOKEN, "--tls-cert",
                dir.resolve("cert.pem").toString(), "--tls-key", dir.resolve("enc.pem").toString(),
                "--tls-key-password-file", dir.resolve("wrong.txt").toString()));
        assertTrue(wrong.getMessage().contains("password"), wrong.getMessage());
        assertFalse(wrong.getMessage().contains("not it"), wrong.getMessage());
        ServerCommand.Running server = server("--token", TOKEN, "--tls-cert", dir.resolve("cert.pem").toString(),
                "--tls-key", dir.resolve("enc.pem").toString(), "--tls-key-password-file", dir.resolve("pass.txt").toString());
        String wss = "wss://127.0.0.1:" + server.server().port() + "/tunnel";
        Lines trusted = new Lines();
        try (AgentCommand.Running agent = AgentCommand.start(AgentCommand.parse(List.of("--server", wss, "--name", "enc1",
                "--forward", upstream.uri().toString(), "--token", TOKEN, "--ca-cert", dir.resolve("cert.pem").toString())),
                FAST, FAST_RECONNECT, trusted.stream)) {
            assertTrue(agent.client().connection().isPresent(), trusted.text());
        }
    }

    private static PrivateKey readPkcs8(Path pem) throws Exception {
        String body = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return java.security.KeyFactory.getInstance("EC").generatePrivate(
                new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
    }

    @Test
    void wrongAddressesAreExplainedInTheUsersTerms(@TempDir Path dir) throws Exception {
        Upstream upstream = resources.track(new Upstream());
        ServerCommand.Running plain = server("--token", TOKEN);
        int port = plain.server().port();
        assertEquals("the server at 127.0.0.1:" + port + " has no tunnel at / (404): did you mean ws://127.0.0.1:" + port
                + "/tunnel?", firstAttempt("ws://127.0.0.1:" + port + "/", upstream));
        assertEquals("the server at 127.0.0.1:" + port + " has no tunnel at /ws (404): did you mean ws://127.0.0.1:" + port
                + "/ws/tunnel?", firstAttempt("ws://127.0.0.1:" + port + "/ws", upstream));
        assertEquals("the server at 127.0.0.1:" + port + " speaks plain ws://, not TLS; use ws://127.0.0.1:" + port
                + "/tunnel", firstAttempt("wss://127.0.0.1:" + port + "/tunnel", upstream));

        selfSigned(dir);
        ServerCommand.Running tls = server("--token", TOKEN, "--tls-cert", dir.resolve("cert.pem").toString(),
                "--tls-key", dir.resolve("key.pem").toString());
        int tlsPort = tls.server().port();
        String plainToTls = firstAttempt("ws://127.0.0.1:" + tlsPort + "/tunnel", upstream);
        assertTrue(plainToTls.endsWith("use wss://127.0.0.1:" + tlsPort + "/tunnel"), plainToTls);

        int free;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            free = s.getLocalPort();
        }
        assertEquals("cannot reach 127.0.0.1:" + free + " (connection refused: is the server running?)",
                firstAttempt("ws://127.0.0.1:" + free + "/tunnel", upstream));
    }

    /** The message of a failed first attempt; never an internal name such as serverUri. */
    private static String firstAttempt(String server, Upstream upstream) throws Exception {
        IOException e = assertThrows(IOException.class, () -> AgentCommand.start(AgentCommand.parse(List.of("--server",
                server, "--name", "a1", "--forward", upstream.uri().toString(), "--token", TOKEN)), FAST, FAST_RECONNECT,
                new Lines().stream));
        assertFalse(e.getMessage().contains("serverUri") || e.getMessage().contains(TOKEN), e.getMessage());
        return e.getMessage();
    }

    /** A self-signed EC certificate for 127.0.0.1 by keytool, written as cert.pem and key.pem (PKCS#8). */
    private static Certificate selfSigned(Path dir) throws Exception {
        char[] password = "changeit".toCharArray();
        Path store = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", new String(password), "-keypass", new String(password))
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, keytool.exitValue(), "keytool: " + output);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, password);
        }
        Certificate certificate = keys.getCertificate("server");
        Files.writeString(dir.resolve("cert.pem"), pem("CERTIFICATE", certificate.getEncoded()));
        Files.writeString(dir.resolve("key.pem"), pem("PRIVATE KEY", ((PrivateKey) keys.getKey("server", password)).getEncoded()));
        return certificate;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
