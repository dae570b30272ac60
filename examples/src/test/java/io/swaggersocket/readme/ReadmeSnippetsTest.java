package io.swaggersocket.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.SocketClient;
import io.swaggersocket.examples.petstore.PetstoreService;
import io.swaggersocket.examples.petstore.nativeclient.ApiException;
import io.swaggersocket.examples.petstore.nativeclient.api.DefaultApi;
import io.swaggersocket.examples.petstore.nativeclient.model.Pet;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.SocketServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * README.md's Java snippets cannot drift: each is the region of a compiled file here (checked
 * line by line, the build fails on any difference), and each region runs here against a real
 * server and agent on 127.0.0.1.
 */
@Timeout(60)
class ReadmeSnippetsTest {
    /** Surefire runs in the module directory; README.md is at the repository's root. */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path SOURCES = Path.of("src/test/java/io/swaggersocket/readme");
    private static final Pattern LISTENING = Pattern.compile("listening on (ws://\\S+)");

    private static ExecutorService threads;

    @BeforeAll
    static void start() {
        threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "readme-snippet");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        threads.shutdownNow();
    }

    @Test
    void everyJavaBlockOfTheReadmeIsACompiledRegion() throws Exception {
        Map<String, String> regions = new HashMap<>();
        for (String file : List.of("ReadmeSnippets.java", "ReadmeNativeClient.java", "ReadmeApacheClient.java")) {
            regions.putAll(Snippets.regions(Files.readString(SOURCES.resolve(file)), file));
        }
        Map<String, String> blocks = Snippets.blocks(Files.readString(ROOT.resolve("README.md")));
        assertEquals(List.of(), Snippets.differences(blocks, regions));
        assertEquals(8, blocks.size(), "snippets in README.md: " + blocks.keySet());
    }

    @Test
    void driftIsReportedWithTheLineAtFault() {
        Map<String, String> regions = Snippets.regions(
                "class X {\n    void f() {\n        // README: one\n        int a = 1;\n\n        int b = 2;\n"
                        + "        // README: end\n    }\n}\n", "X.java");
        assertEquals(Map.of("one", "int a = 1;\n\nint b = 2;"), regions);
        Map<String, String> same = Snippets.blocks("text\n<!-- snippet: one -->\n```java\nint a = 1;\n\nint b = 2;\n```\n");
        assertEquals(List.of(), Snippets.differences(same, regions));

        Map<String, String> drifted = Snippets.blocks("<!-- snippet: one -->\n```java\nint a = 1;\n\nint b = 3;\n```\n");
        assertEquals(List.of("snippet 'one': line 3 expected (code) \"int b = 2;\" but README.md has \"int b = 3;\""),
                Snippets.differences(drifted, regions));
        Map<String, String> shorter = Snippets.blocks("<!-- snippet: one -->\n```java\nint a = 1;\n```\n");
        assertEquals(List.of("snippet 'one': line 2 expected (code) \"\" but README.md has \"(nothing)\""),
                Snippets.differences(shorter, regions));
        Map<String, String> unknown = Snippets.blocks("<!-- snippet: two -->\n```java\nx();\n```\n");
        assertEquals(List.of("snippet 'two': no region of that name in the compiled snippets",
                "region 'one': not in README.md"), Snippets.differences(unknown, regions));

        IllegalArgumentException unmarked = assertThrows(IllegalArgumentException.class,
                () -> Snippets.blocks("intro\n```java\nx();\n```\n"));
        assertEquals("README.md:2: a ```java block without a <!-- snippet: NAME --> line before it",
                unmarked.getMessage());
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class,
                () -> Snippets.blocks("<!-- snippet: one -->\n```java\nx();\n"));
        assertEquals("README.md:2: a ```java block is never closed", open.getMessage());
        IllegalArgumentException unended = assertThrows(IllegalArgumentException.class,
                () -> Snippets.regions("// README: one\nx();\n", "Y.java"));
        assertEquals("Y.java: region 'one' has no README: end", unended.getMessage());
    }

    @Test
    void theServerStartedBeforeItsAgentFindsItAndCallsIt() throws Exception {
        try (Stdout out = new Stdout()) {
            Future<SocketServer> server = threads.submit(() -> ReadmeSnippets.server("127.0.0.1", 0, "secret-token"));
            Matcher listening = out.await(LISTENING, Duration.ofSeconds(20));
            SocketClient agent = ReadmeSnippets.agent(URI.create(listening.group(1)), "secret-token");
            try (agent; SocketServer s = server.get(20, TimeUnit.SECONDS)) {
                out.await(Pattern.quote("200 ok"), Duration.ofSeconds(10));
                out.await("ConnectionEvent\\[RECEIVED, .*", Duration.ofSeconds(10));
                assertEquals(1, s.activeConnections().size());
            }
        }
    }

    @Test
    void thePemSnippetLoadsEncryptedKeysAndTheContextsShakeHands(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        java.security.KeyPair keys = generator.generateKeyPair();
        var now = java.time.Instant.now();
        var name = new org.bouncycastle.asn1.x500.X500Name("CN=localhost");
        var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(name, java.math.BigInteger.ONE,
                java.util.Date.from(now.minusSeconds(60)), java.util.Date.from(now.plusSeconds(3600)), name, keys.getPublic())
                .addExtension(org.bouncycastle.asn1.x509.Extension.subjectAlternativeName, false,
                        new org.bouncycastle.asn1.x509.GeneralNames(new org.bouncycastle.asn1.x509.GeneralName(
                                org.bouncycastle.asn1.x509.GeneralName.iPAddress, "127.0.0.1")));
        var certificate = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(builder.build(
                new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        var encryptor = new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(
                org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC)
                .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).setPassword("pw".toCharArray()).build();
        for (String file : List.of("fullchain.pem", "agent.pem", "server-ca.pem")) {
            try (var w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(java.nio.file.Files.newBufferedWriter(dir.resolve(file)))) {
                w.writeObject(certificate);
            }
        }
        for (String file : List.of("privkey.pem", "agent-key.pem")) {
            try (var w = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(java.nio.file.Files.newBufferedWriter(dir.resolve(file)))) {
                w.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(keys.getPrivate(), encryptor));
            }
        }
        java.nio.file.Files.writeString(dir.resolve("key-password.txt"), "pw\n");
        javax.net.ssl.SSLContext[] contexts = ReadmeSnippets.pem(dir);
        try (javax.net.ssl.SSLServerSocket listening = (javax.net.ssl.SSLServerSocket) contexts[0].getServerSocketFactory()
                .createServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            listening.setSoTimeout(10_000);
            // Completed before the socket closes: an SSLSocket's close waits for the peer's close_notify.
            java.util.concurrent.CompletableFuture<Integer> accepted = new java.util.concurrent.CompletableFuture<>();
            threads.submit(() -> {
                try (var s = (javax.net.ssl.SSLSocket) listening.accept()) {
                    s.setSoTimeout(10_000);
                    s.startHandshake();
                    accepted.complete(s.getInputStream().read());
                } catch (Exception e) {
                    accepted.completeExceptionally(e);
                }
                return null;
            });
            try (var client = (javax.net.ssl.SSLSocket) contexts[1].getSocketFactory().createSocket("127.0.0.1",
                    listening.getLocalPort())) {
                client.setSoTimeout(10_000);
                client.getOutputStream().write(42);
                client.getOutputStream().flush();
                assertEquals(42, accepted.get(10, java.util.concurrent.TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void anUpgradeEchoes() throws Exception {
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build()) {
            server.start();
            try (SocketClient client = SocketClient.builder(server.uri()).build(); Stdout out = new Stdout()) {
                SocketConnection agentSide = client.connect();
                SocketConnection serverSide = server.awaitConnection(m -> true, Duration.ofSeconds(10));
                ReadmeSnippets.upgrade(agentSide, serverSide);
                out.await("hello", Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void theOpenApiHandlerServesTheRepositorysPetstore() throws Exception {
        Path spec = Path.of("src/main/resources/petstore.yaml");
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).build()) {
            server.start();
            try (SocketClient client = SocketClient.builder(server.uri()).build()) {
                PetstoreService store = ReadmeSnippets.openApi(spec, client);
                client.connect();
                SocketConnection toAgent = server.awaitConnection(m -> true, Duration.ofSeconds(10));

                DefaultApi pets = ReadmeNativeClient.pets(toAgent);
                Pet rex = pets.createPet(new Pet().name("Rex").tag("dog"), null);
                assertEquals("Rex", rex.getName());
                assertEquals(rex, pets.getPet(rex.getId()));
                assertEquals(List.of(rex), pets.listPets(null, null));
                assertEquals(1, ReadmeApacheClient.pets(toAgent).listPets(5, null).size());
                pets.deletePet(rex.getId());
                assertEquals(0, store.size());
                ApiException gone = assertThrows(ApiException.class, () -> pets.getPet(rex.getId()));
                assertEquals(404, gone.getCode());
                ApiException invalid = assertThrows(ApiException.class, () -> pets.listPets(0, null));
                assertEquals(400, invalid.getCode());
                assertTrue(invalid.getResponseBody().contains("limit"), invalid.getResponseBody());
            }
        }
    }

}
