package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS client certificates end to end on 127.0.0.1: a CA made with keytool signs the agent's
 * certificate, the server trusts that CA through {@link PemTls}, and an {@link Authenticator}
 * records what it is shown.
 */
@Timeout(60)
class ClientCertificateTest {
    @TempDir
    static Path dir;

    private static final AtomicInteger SIGNED = new AtomicInteger();

    /** The server's self-signed certificate (what agents trust) and its key. */
    private static Path serverCert;
    private static Path serverKey;
    /** The CA that the server trusts for client certificates. */
    private static Path caFile;
    private static X509Certificate caCertificate;
    /** CN=edge-7,O=Example signed by that CA: the chain file (leaf, CA) and its key. */
    private static Path agentChain;
    private static Path agentKey;
    private static X509Certificate agentCertificate;
    /** The agent's subject and key, signed by another CA that has the same name as the trusted one. */
    private static Path impostorChain;
    /** A self-signed certificate the server has never heard of, and its key. */
    private static Path strangerCert;
    private static Path strangerKey;
    /** The agent's key's certificate request, to sign more subjects for commonName. */
    private static Path agentCsr;

    private static Dialer dialer;

    private final BlockingQueue<UpgradeRequest> seen = new LinkedBlockingQueue<>();
    /** Accepts everyone, recording what it was shown. */
    private final Authenticator recording = request -> {
        seen.add(request);
        return AuthResult.accept();
    };

    @BeforeAll
    static void makeCertificates() throws Exception {
        dialer = new Dialer();
        KeyStore server = TestPki.selfSigned(dir.resolve("server.p12"), "server", "CN=localhost", "-keyalg", "EC",
                "-groupname", "secp256r1", "-ext", "SAN=ip:127.0.0.1");
        serverCert = TestPki.pem(dir.resolve("server.pem"), List.of(TestPki.certificate(server, "server")));
        serverKey = TestPki.pem(dir.resolve("server-key.pem"), "PRIVATE KEY", TestPki.key(server, "server").getEncoded());

        Path caStore = dir.resolve("ca.p12");
        caCertificate = TestPki.certificate(TestPki.selfSigned(caStore, "ca", "CN=Test Agents CA", "-keyalg", "EC",
                "-groupname", "secp256r1", "-ext", "bc:c"), "ca");
        caFile = TestPki.pem(dir.resolve("ca.pem"), List.of(caCertificate));
        Path fakeCaStore = dir.resolve("fake-ca.p12");
        X509Certificate fakeCa = TestPki.certificate(TestPki.selfSigned(fakeCaStore, "ca", "CN=Test Agents CA",
                "-keyalg", "EC", "-groupname", "secp256r1", "-ext", "bc:c"), "ca");

        Path agentStore = dir.resolve("agent.p12");
        KeyStore agent = TestPki.selfSigned(agentStore, "agent", "CN=edge-7,O=Example", "-keyalg", "EC",
                "-groupname", "secp256r1");
        agentKey = TestPki.pem(dir.resolve("agent-key.pem"), "PRIVATE KEY", TestPki.key(agent, "agent").getEncoded());
        agentCsr = dir.resolve("agent.csr");
        TestPki.keytool("-certreq", "-alias", "agent", "-keystore", agentStore.toString(),
                "-storepass", TestPki.PASSWORD, "-file", agentCsr.toString());
        agentCertificate = sign(caStore);
        agentChain = TestPki.pem(dir.resolve("agent-chain.pem"), List.of(agentCertificate, caCertificate));
        impostorChain = TestPki.pem(dir.resolve("impostor-chain.pem"), List.of(sign(fakeCaStore), fakeCa));

        KeyStore stranger = TestPki.selfSigned(dir.resolve("stranger.p12"), "stranger", "CN=stranger", "-keyalg",
                "EC", "-groupname", "secp256r1");
        strangerCert = TestPki.pem(dir.resolve("stranger.pem"), List.of(TestPki.certificate(stranger, "stranger")));
        strangerKey = TestPki.pem(dir.resolve("stranger-key.pem"), "PRIVATE KEY",
                TestPki.key(stranger, "stranger").getEncoded());
    }

    /** Signs the agent's request with the CA in {@code caStore}, as a TLS client certificate. */
    private static X509Certificate sign(Path caStore, String... options) throws Exception {
        Path out = dir.resolve("signed-" + SIGNED.incrementAndGet() + ".pem");
        List<String> args = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-keystore",
                caStore.toString(), "-storepass", TestPki.PASSWORD, "-infile", agentCsr.toString(),
                "-outfile", out.toString(), "-rfc", "-validity", "2", "-ext", "KU=digitalSignature",
                "-ext", "EKU=clientAuth"));
        args.addAll(List.of(options));
        TestPki.keytool(args.toArray(new String[0]));
        return PemTls.readCertificates(out).get(0);
    }

    @AfterAll
    static void stopDialer() {
        dialer.close();
    }

    private SocketServer server(ClientAuth mode, Authenticator authenticator) throws IOException {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0)
                .sslContext(PemTls.serverContext(serverCert, serverKey, caFile)).clientCertificates(mode)
                .authenticator(authenticator).ingress(true).build();
        server.start();
        return server;
    }

    private static Dialer.Dialed dial(SocketServer server, SSLContext tls, String name) throws Exception {
        return dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode().put("name", name),
                new TestAgent(name), ConnectionConfig.defaults(), tls).get(10, TimeUnit.SECONDS);
    }

    private static SSLContext withCertificate(Path chain, Path key) throws IOException {
        return PemTls.clientContext(chain, key, serverCert);
    }

    private static SSLContext withoutCertificate() throws IOException {
        return PemTls.clientContext(null, null, serverCert);
    }

    /**
     * The TLS failure a raw HTTPS request meets. With TLS 1.3 the client has finished its side of
     * the handshake before the server judges the certificate, so what it meets depends on timing:
     * the server's alert (an SSLException naming it), or, when its request write races the
     * server's close, a reset connection. Either way no request gets through; the alert, when
     * seen, must be the expected one.
     */
    private static void assertHandshakeFails(SocketServer server, SSLContext tls, String... alerts) {
        java.io.IOException failure = assertThrows(java.io.IOException.class, () -> RawHttp.exchange(server.port(),
                tls, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        if (failure instanceof SSLException) {
            assertTrue(java.util.Arrays.stream(alerts).anyMatch(a -> String.valueOf(failure.getMessage()).contains(a)),
                    failure.toString());
        } else {
            assertInstanceOf(java.net.SocketException.class, failure, failure.toString());
        }
    }

    @Test
    void requestedShowsTheAuthenticatorTheVerifiedChainOfAnAgentThatSendsOne() throws Exception {
        try (SocketServer server = server(ClientAuth.REQUESTED, recording)) {
            EventLog events = new EventLog();
            server.addListener(events);
            Dialer.Dialed agent = dial(server, withCertificate(agentChain, agentKey), "edge-7");
            events.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());
            UpgradeRequest withCertificate = seen.poll(10, TimeUnit.SECONDS);
            assertEquals("/tunnel", withCertificate.path());
            assertEquals(List.of(agentCertificate, caCertificate), withCertificate.clientCertificates());
            assertEquals(Optional.of("edge-7"), ClientCertificates.commonName(withCertificate.clientCertificates().get(0)));
            assertTrue(withCertificate.toString().contains("client certificate CN=edge-7,O=Example"),
                    withCertificate.toString());

            Dialer.Dialed anonymous = dial(server, withoutCertificate(), "anonymous");
            events.next(ConnectionEvent.Type.RECEIVED, anonymous.connection().id());
            UpgradeRequest without = seen.poll(10, TimeUnit.SECONDS);
            assertEquals("/tunnel", without.path());
            assertEquals(List.of(), without.clientCertificates());
        }
    }

    @Test
    void anAccessPolicyNamesThePrincipalByTheCertificatesCommonName() throws Exception {
        AccessPolicy policy = AccessPolicy.builder()
                .principal("edge-fleet", new Grants(List.of("edge-*"), List.of(), List.of()))
                .certificate("edge-fleet", "edge-7")
                .build();
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0)
                .sslContext(PemTls.serverContext(serverCert, serverKey, caFile)).clientCertificates(ClientAuth.REQUESTED)
                .accessPolicy(policy).build()) {
            server.start();
            EventLog events = new EventLog();
            server.addListener(events);
            Dialer.Dialed agent = dial(server, withCertificate(agentChain, agentKey), "edge-7");
            events.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());
            GrantedPrincipal who = (GrantedPrincipal) server.connection(agent.connection().id()).orElseThrow()
                    .principal().orElseThrow();
            assertEquals("edge-fleet", who.getName());
            assertEquals("certificate CN=edge-7", who.credential());

            ExecutionException outside = assertThrows(ExecutionException.class,
                    () -> dial(server, withCertificate(agentChain, agentKey), "db-1"));
            assertTrue(outside.getCause().getMessage().contains("principal edge-fleet may not register agent name"),
                    outside.getCause().getMessage());
            ExecutionException none = assertThrows(ExecutionException.class,
                    () -> dial(server, withoutCertificate(), "edge-8"));
            assertTrue(none.getCause().getMessage().contains("401"), none.getCause().getMessage());
        }
    }

    @Test
    void requestedRefusesAChainFromAnotherCaThatBearsTheSameNames() throws Exception {
        SSLContext impostor = withCertificate(impostorChain, agentKey);
        try (SocketServer server = server(ClientAuth.REQUESTED, recording)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> dial(server, impostor, "edge-7"));
            assertTrue(e.getCause() instanceof IOException, e.toString());
            assertHandshakeFails(server, impostor, "certificate_unknown");
            assertEquals(List.of(), server.activeConnections());
            assertNull(seen.poll(), "the authenticator was never asked");
        }
    }

    @Test
    void requestedLetsAClientWithACertificateFromAnUnlistedCaInWithoutIt() throws Exception {
        // The JDK client sends a certificate only when an issuer of its chain is among the CAs the
        // server lists; otherwise none, so the server sees a client without a certificate.
        try (SocketServer server = server(ClientAuth.REQUESTED, recording)) {
            dial(server, withCertificate(strangerCert, strangerKey), "stranger");
            assertEquals(List.of(), seen.poll(10, TimeUnit.SECONDS).clientCertificates());
        }
    }

    @Test
    void requiredRefusesAnAgentWithoutACertificateInTheHandshake() throws Exception {
        try (SocketServer server = server(ClientAuth.REQUIRED, recording)) {
            SSLContext anonymous = withoutCertificate();
            assertThrows(ExecutionException.class, () -> dial(server, anonymous, "anonymous"));
            // TLS 1.3 names the alert certificate_required; JDK 17 still sends bad_certificate.
            assertHandshakeFails(server, anonymous, "certificate_required", "bad_certificate");
            assertEquals(List.of(), server.activeConnections());
            assertNull(seen.poll(), "the authenticator was never asked");

            dial(server, withCertificate(agentChain, agentKey), "edge-7");
            assertEquals(List.of(agentCertificate, caCertificate), seen.poll(10, TimeUnit.SECONDS).clientCertificates());
        }
    }

    @Test
    void noneNeverAsksSoTheChainIsEmptyEvenForAClientThatHasOne() throws Exception {
        try (SocketServer server = server(ClientAuth.NONE, recording)) {
            dial(server, withCertificate(agentChain, agentKey), "edge-7");
            assertEquals(List.of(), seen.poll(10, TimeUnit.SECONDS).clientCertificates());
        }
    }

    @Test
    void ingressCallsShowTheAuthenticatorTheChainToo() throws Exception {
        Authenticator byCertificate = request -> {
            seen.add(request);
            return request.clientCertificates().stream().findFirst().flatMap(ClientCertificates::commonName)
                    .filter("edge-7"::equals).<AuthResult>map(cn -> AuthResult.accept())
                    .orElseGet(() -> AuthResult.unauthorized("expected the certificate of edge-7"));
        };
        SSLContext agent = withCertificate(agentChain, agentKey);
        try (SocketServer server = server(ClientAuth.REQUESTED, byCertificate)) {
            dial(server, agent, "a1");
            assertEquals("/tunnel", seen.poll(10, TimeUnit.SECONDS).path());

            URI info = URI.create("https://127.0.0.1:" + server.port() + "/agents/a1/info");
            HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(agent)
                    .build().send(HttpRequest.newBuilder(info).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            UpgradeRequest call = seen.poll(10, TimeUnit.SECONDS);
            assertEquals("/agents/a1/info", call.path());
            assertEquals(List.of(agentCertificate, caCertificate), call.clientCertificates());

            r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(withoutCertificate()).build()
                    .send(HttpRequest.newBuilder(info).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode(), r.body());
            assertEquals(List.of(), seen.poll(10, TimeUnit.SECONDS).clientCertificates());
        }
    }

    @Test
    void clientCertificatesNeedAnSslContext() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SocketServer.builder()
                .bind("127.0.0.1", 0).clientCertificates(ClientAuth.REQUIRED).build());
        assertEquals("clientCertificates: expected an sslContext with REQUIRED but the listener is plain HTTP"
                + " (call sslContext(...))", e.getMessage());
        assertThrows(NullPointerException.class, () -> SocketServer.builder().bind("127.0.0.1", 0)
                .clientCertificates(null).build());
        SocketServer.builder().bind("127.0.0.1", 0).clientCertificates(ClientAuth.NONE).build().close();
    }

    @Test
    void commonNameIsTheMostSpecificCnOfTheSubject() throws Exception {
        assertEquals(Optional.of("edge-7"), ClientCertificates.commonName(agentCertificate));
        assertEquals(Optional.of("Test Agents CA"), ClientCertificates.commonName(caCertificate));
        assertEquals(Optional.of("edge, 7"), ClientCertificates.commonName(
                sign(dir.resolve("ca.p12"), "-dname", "CN=edge\\, 7+UID=7,OU=agents,CN=fleet,O=Example")));
        assertEquals(Optional.empty(), ClientCertificates.commonName(
                sign(dir.resolve("ca.p12"), "-dname", "OU=agents,O=Example")));
        assertEquals(Optional.empty(), ClientCertificates.commonName(
                sign(dir.resolve("ca.p12"), "-dname", "CN=a+CN=b,O=Example")));
    }

    @Test
    void pemTlsErrorsNameTheFileAtFault() throws Exception {
        IllegalArgumentException half = assertThrows(IllegalArgumentException.class,
                () -> PemTls.clientContext(agentChain, null, serverCert));
        assertEquals("privateKey: expected the key of certificate " + agentChain + " but was none", half.getMessage());
        half = assertThrows(IllegalArgumentException.class, () -> PemTls.clientContext(null, agentKey, serverCert));
        assertEquals("certificateChain: expected the certificate of private key " + agentKey + " but was none",
                half.getMessage());

        Path missing = dir.resolve("missing.pem");
        IOException e = assertThrows(IOException.class, () -> PemTls.serverContext(serverCert, serverKey, missing));
        assertEquals("cannot read trusted CA certificates " + missing + ": no such file", e.getMessage());
        e = assertThrows(IOException.class, () -> PemTls.clientContext(null, null, agentKey));
        assertEquals("cannot read trusted CA certificates " + agentKey + ": expected a -----BEGIN CERTIFICATE-----"
                + " block but found only PRIVATE KEY", e.getMessage());
        e = assertThrows(IOException.class, () -> PemTls.clientContext(agentChain, strangerKey, null));
        assertTrue(e.getMessage().startsWith("private key " + strangerKey + " does not belong to the certificate "
                + agentChain + "; give the key"), e.getMessage());
        e = assertThrows(IOException.class, () -> PemTls.clientContext(missing, agentKey, null));
        assertEquals("cannot read certificate " + missing + ": no such file", e.getMessage());

        assertEquals("TLS", PemTls.clientContext(null, null, null).getProtocol()); // the JDK's trust, no certificate
    }
}
