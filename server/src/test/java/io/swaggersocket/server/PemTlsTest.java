package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link PemTls} serving real TLS: keys and certificates made with BouncyCastle in the test, written
 * in every PEM layout openssl writes, each used for a handshake over 127.0.0.1; client
 * certificates with a trust file of several CAs; wss and https on a {@link SocketServer}. The
 * hostile files are in {@link PemTlsErrorsTest}.
 */
@Timeout(120)
class PemTlsTest {
    static final char[] PASSWORD = "correct horse battery staple".toCharArray();

    @TempDir
    static Path dir;

    private static BcPki.Issued root;
    private static BcPki.Issued intermediate;
    private static Path rootFile;
    private static Path passwordFile;

    @BeforeAll
    static void makePki() throws Exception {
        root = BcPki.root("Test Root CA", BcPki.rsa());
        intermediate = BcPki.issue("Test Intermediate CA", BcPki.ec(), root, true);
        rootFile = BcPki.certificates(dir.resolve("root.pem"), root.certificate());
        // a CRLF line end, as a password file written on Windows has: not part of the password
        passwordFile = Files.writeString(dir.resolve("password.txt"), new String(PASSWORD) + "\r\n");
    }

    /** A leaf for {@code keys} issued by the intermediate, and its chain file: leaf, then intermediate. */
    private static BcPki.Issued leaf(String name, String algorithm) throws Exception {
        return BcPki.issue(name, BcPki.generate(algorithm), intermediate, false);
    }

    private static Path chain(String name, BcPki.Issued leaf) throws Exception {
        return BcPki.certificates(dir.resolve(name + "-chain.pem"), leaf.certificate(), intermediate.certificate());
    }

    /** How each layout is written and the first line that proves it was. */
    enum Layout {
        PKCS8("-----BEGIN PRIVATE KEY-----"),
        TRADITIONAL("-----BEGIN %s PRIVATE KEY-----"),
        ENCRYPTED_PKCS8("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        LEGACY_ENCRYPTED("Proc-Type: 4,ENCRYPTED");

        final String marker;

        Layout(String marker) {
            this.marker = marker;
        }

        Path write(Path file, PrivateKey key) throws Exception {
            return switch (this) {
                case PKCS8 -> BcPki.pkcs8(file, key);
                case TRADITIONAL -> BcPki.traditional(file, key);
                case ENCRYPTED_PKCS8 -> BcPki.encryptedPkcs8(file, key, PASSWORD);
                case LEGACY_ENCRYPTED -> BcPki.legacyEncrypted(file, key, PASSWORD);
            };
        }

        boolean encrypted() {
            return this == ENCRYPTED_PKCS8 || this == LEGACY_ENCRYPTED;
        }
    }

    static Stream<Arguments> layouts() {
        return Stream.of(
                Arguments.of("RSA", Layout.PKCS8), Arguments.of("RSA", Layout.TRADITIONAL),
                Arguments.of("RSA", Layout.ENCRYPTED_PKCS8), Arguments.of("RSA", Layout.LEGACY_ENCRYPTED),
                Arguments.of("EC", Layout.PKCS8), Arguments.of("EC", Layout.TRADITIONAL),
                Arguments.of("EC", Layout.ENCRYPTED_PKCS8), Arguments.of("EC", Layout.LEGACY_ENCRYPTED),
                Arguments.of("Ed25519", Layout.PKCS8), Arguments.of("Ed25519", Layout.ENCRYPTED_PKCS8));
    }

    @ParameterizedTest(name = "{0} key as {1}")
    @MethodSource("layouts")
    void everyKeyLayoutServesATlsHandshakeWithItsChain(String algorithm, Layout layout) throws Exception {
        String name = algorithm + "-" + layout;
        BcPki.Issued leaf = leaf(name, algorithm);
        Path keyFile = layout.write(dir.resolve(name + "-key.pem"), leaf.key());
        assertTrue(Files.readString(keyFile).contains(layout.marker.formatted(algorithm)), Files.readString(keyFile));
        char[] password = layout.encrypted() ? PemTls.readPassword(passwordFile) : null;

        SSLContext server = PemTls.serverContext(chain(name, leaf), keyFile, password, null);
        // the client trusts the root only: it verifies the server only if the intermediate is sent too
        LoopbackTls.Seen seen = LoopbackTls.handshake(server, PemTls.clientContext(null, null, rootFile), false);
        assertEquals(List.of(leaf.certificate(), intermediate.certificate()), seen.serverChain());
    }

    @Test
    void aPasswordGivenForAKeyThatIsNotEncryptedIsIgnored() throws Exception {
        BcPki.Issued leaf = leaf("plain", "EC");
        Path keyFile = BcPki.pkcs8(dir.resolve("plain-key.pem"), leaf.key());
        SSLContext server = PemTls.serverContext(chain("plain", leaf), keyFile, PASSWORD, null);
        LoopbackTls.handshake(server, PemTls.clientContext(null, null, rootFile), false);
    }

    @Test
    void clientCertificatesWithEncryptedKeysAndATrustFileOfSeveralCas() throws Exception {
        BcPki.Issued server = leaf("localhost", "RSA");
        Path serverKey = BcPki.encryptedPkcs8(dir.resolve("mtls-server-key.pem"), server.key(), PASSWORD);
        BcPki.Issued agentsCa = BcPki.root("Agents CA", BcPki.ec());
        BcPki.Issued unrelatedCa = BcPki.root("Unrelated CA", BcPki.rsa());
        // the agents' CA second: every CA of the file is trusted, not only the first
        Path clientCas = BcPki.certificates(dir.resolve("client-cas.pem"), unrelatedCa.certificate(),
                agentsCa.certificate());
        SSLContext serverTls = PemTls.serverContext(chain("mtls-server", server), serverKey, PASSWORD, clientCas);

        BcPki.Issued agent = BcPki.issue("edge-7", BcPki.ec(), agentsCa, false);
        Path agentChain = BcPki.certificates(dir.resolve("agent.pem"), agent.certificate());
        Path agentKey = BcPki.legacyEncrypted(dir.resolve("agent-key.pem"), agent.key(), PASSWORD);
        SSLContext agentTls = PemTls.clientContext(agentChain, agentKey, PemTls.readPassword(passwordFile), rootFile);

        LoopbackTls.Seen seen = LoopbackTls.handshake(serverTls, agentTls, true);
        assertEquals(List.of(agent.certificate()), seen.clientChain());
        assertEquals(server.certificate(), seen.serverChain().get(0));

        // a certificate from a CA outside the file is refused
        BcPki.Issued strangerCa = BcPki.root("Stranger CA", BcPki.ec());
        BcPki.Issued stranger = BcPki.issue("edge-8", BcPki.ec(), strangerCa, false);
        SSLContext strangerTls = PemTls.clientContext(
                BcPki.certificates(dir.resolve("stranger.pem"), stranger.certificate(), strangerCa.certificate()),
                BcPki.pkcs8(dir.resolve("stranger-key.pem"), stranger.key()), rootFile);
        assertThrows(java.io.IOException.class, () -> LoopbackTls.handshake(serverTls, strangerTls, true));
    }

    @Test
    void wssAndHttpsShareThePortWithAnEncryptedKey() throws Exception {
        BcPki.Issued leaf = leaf("localhost", "RSA");
        Path keyFile = BcPki.encryptedPkcs8(dir.resolve("wss-key.pem"), leaf.key(), PASSWORD);
        SSLContext tls = PemTls.serverContext(chain("wss", leaf), keyFile, PemTls.readPassword(passwordFile), null);
        SSLContext client = PemTls.clientContext(null, null, rootFile);
        EventLog events = new EventLog();
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).sslContext(tls).ingress(true)
                .publicIngress(true).build(); Dialer dialer = new Dialer()) {
            server.addListener(events);
            server.start();
            assertEquals("wss", server.uri().getScheme());
            Dialer.Dialed agent = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", "a1"),
                    new TestAgent("a1"), ConnectionConfig.defaults(), client).get(10, TimeUnit.SECONDS);
            events.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());

            HttpClient https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(client).build();
            HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port()
                    + "/agents/a1/info")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals("https", IngressTest.headers(r.body()).get("x-forwarded-proto"));
        }
    }

    @Test
    void oneFileMayHoldTheKeyTheChainAndOtherBlocks() throws Exception {
        BcPki.Issued leaf = leaf("both", "EC");
        Path both = dir.resolve("both.pem");
        // openssl ecparam -genkey writes an EC PARAMETERS block before the key: skipped
        Files.writeString(both, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                + Files.readString(BcPki.traditional(dir.resolve("both-key.pem"), leaf.key()))
                + Files.readString(chain("both", leaf)).replace("\n", "\r\n"));
        LoopbackTls.Seen seen = LoopbackTls.handshake(PemTls.serverContext(both, both),
                PemTls.clientContext(null, null, rootFile), false);
        assertEquals(2, seen.serverChain().size());
    }

    @Test
    void thePasswordIsTheFirstLineOfItsFile() throws Exception {
        assertArrayEquals(PASSWORD, PemTls.readPassword(passwordFile));
        Path twoLines = Files.writeString(dir.resolve("two-lines.txt"), " spaces kept \nsecond line\n");
        assertArrayEquals(" spaces kept ".toCharArray(), PemTls.readPassword(twoLines));
        Path noNewline = Files.writeString(dir.resolve("no-newline.txt"), "pässword");
        assertArrayEquals("pässword".toCharArray(), PemTls.readPassword(noNewline));
    }
}
