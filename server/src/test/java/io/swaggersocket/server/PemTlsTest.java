package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PemTls}: self-signed certificates made by keytool in the test, exported as PEM with the
 * JDK, in every key encoding the class reads; then wss and https on one port.
 */
@Timeout(120)
class PemTlsTest {
    @TempDir
    static Path dir;

    /** One pair per kind: certificate PEM and the key in PKCS#8, plus the trust context of the certificate. */
    record Pair(Path cert, Path pkcs8, PrivateKey key, Certificate certificate) {
    }

    private static Pair rsa;
    private static Pair otherRsa;
    private static Pair ec;

    @BeforeAll
    static void makeCertificates() throws Exception {
        rsa = pair("rsa", "RSA", "-keysize", "2048");
        otherRsa = pair("other", "RSA", "-keysize", "2048");
        ec = pair("ec", "EC", "-groupname", "secp256r1");
    }

    private static Pair pair(String name, String algorithm, String sizeOption, String size) throws Exception {
        KeyStore keys = TestPki.selfSigned(dir.resolve(name + ".p12"), name, "CN=localhost", "-keyalg", algorithm,
                sizeOption, size, "-ext", "SAN=ip:127.0.0.1,dns:localhost");
        PrivateKey key = TestPki.key(keys, name);
        Certificate certificate = keys.getCertificate(name);
        Path cert = write(name + "-cert.pem", "CERTIFICATE", certificate.getEncoded());
        Path pkcs8 = write(name + "-key.pem", "PRIVATE KEY", key.getEncoded());
        return new Pair(cert, pkcs8, key, certificate);
    }

    private static Path write(String file, String type, byte[] der) throws IOException {
        return TestPki.pem(dir.resolve(file), type, der);
    }

    private static SSLContext trusting(Certificate certificate) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** The PKCS#1 RSAPrivateKey inside a PKCS#8 RSA key: its privateKey OCTET STRING. */
    private static byte[] pkcs1(PrivateKey key) throws Exception {
        Der.Reader info = new Der.Reader(key.getEncoded()).next(Der.SEQUENCE, "info").contents();
        info.next(Der.INTEGER, "version");
        info.next(Der.SEQUENCE, "algorithm");
        return info.next(Der.OCTET_STRING, "key").value();
    }

    /** SEC1 ECPrivateKey with its named curve, as openssl writes it, made from a PKCS#8 EC key. */
    private static byte[] sec1(PrivateKey key) throws Exception {
        Der.Reader info = new Der.Reader(key.getEncoded()).next(Der.SEQUENCE, "info").contents();
        info.next(Der.INTEGER, "version");
        Der.Reader algorithm = info.next(Der.SEQUENCE, "algorithm").contents();
        algorithm.next(Der.OID, "ecPublicKey");
        byte[] curve = algorithm.next(Der.OID, "curve").encoded();
        Der.Reader inner = new Der.Reader(info.next(Der.OCTET_STRING, "key").value()).next(Der.SEQUENCE, "sec1").contents();
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        fields.writeBytes(inner.next(Der.INTEGER, "version").encoded());
        fields.writeBytes(inner.next(Der.OCTET_STRING, "privateKey").encoded());
        fields.writeBytes(Der.encode(Der.CONTEXT_0, curve));
        while (inner.hasMore()) {
            Der.Element e = inner.next("field");
            if (e.tag() != Der.CONTEXT_0) {
                fields.writeBytes(e.encoded());
            }
        }
        return Der.encode(Der.SEQUENCE, fields.toByteArray());
    }

    @Test
    void wssAndHttpsShareThePortWithAPkcs8RsaKey() throws Exception {
        SSLContext tls = PemTls.serverContext(rsa.cert(), rsa.pkcs8());
        SSLContext client = trusting(rsa.certificate());
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
    void everyKeyEncodingServesTls() throws Exception {
        Map<String, Path> keys = Map.of(
                "PKCS#1 RSA", write("rsa-pkcs1.pem", "RSA PRIVATE KEY", pkcs1(rsa.key())),
                "PKCS#8 EC", ec.pkcs8(),
                "SEC1 EC", write("ec-sec1.pem", "EC PRIVATE KEY", sec1(ec.key())));
        for (Map.Entry<String, Path> key : keys.entrySet()) {
            Pair pair = key.getKey().contains("EC") ? ec : rsa;
            SSLContext tls = PemTls.serverContext(pair.cert(), key.getValue());
            try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).sslContext(tls).build()) {
                server.start();
                RawHttp.Response r = RawHttp.exchange(server.port(), trusting(pair.certificate()),
                        "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                assertEquals(404, r.status(), key.getKey());
            }
        }
    }

    @Test
    void oneFileMayHoldTheChainAndTheKey() throws Exception {
        Path both = dir.resolve("both.pem");
        Files.writeString(both, Files.readString(ec.pkcs8()) + Files.readString(ec.cert()).replace("\n", "\r\n"));
        PemTls.serverContext(both, both);
    }

    @Test
    void errorsNameTheFileAndTheProblem() throws Exception {
        Path missing = dir.resolve("missing.pem");
        IOException e = assertThrows(IOException.class, () -> PemTls.serverContext(missing, rsa.pkcs8()));
        assertEquals("cannot read certificate " + missing + ": no such file", e.getMessage());
        e = assertThrows(IOException.class, () -> PemTls.serverContext(rsa.cert(), missing));
        assertEquals("cannot read private key " + missing + ": no such file", e.getMessage());

        e = assertThrows(IOException.class, () -> PemTls.serverContext(rsa.pkcs8(), rsa.pkcs8()));
        assertEquals("cannot read certificate " + rsa.pkcs8() + ": expected a -----BEGIN CERTIFICATE----- block but"
                + " found only PRIVATE KEY", e.getMessage());
        e = assertThrows(IOException.class, () -> PemTls.serverContext(rsa.cert(), rsa.cert()));
        assertEquals("cannot read private key " + rsa.cert() + ": expected a -----BEGIN PRIVATE KEY----- (or RSA / EC"
                + " PRIVATE KEY) block but found only CERTIFICATE", e.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.pem"), "not pem at all\n");
        e = assertThrows(IOException.class, () -> PemTls.serverContext(empty, rsa.pkcs8()));
        assertEquals("cannot read certificate " + empty + ": expected a -----BEGIN CERTIFICATE----- block but found"
                + " no PEM block", e.getMessage());

        e = assertThrows(IOException.class, () -> PemTls.serverContext(rsa.cert(), otherRsa.pkcs8()));
        assertEquals("private key " + otherRsa.pkcs8() + " does not belong to the certificate " + rsa.cert(), e.getMessage());
        e = assertThrows(IOException.class, () -> PemTls.serverContext(rsa.cert(), ec.pkcs8()));
        assertEquals("private key " + ec.pkcs8() + " does not belong to the certificate " + rsa.cert()
                + ": the key is EC but the certificate's is RSA", e.getMessage());

        Path encrypted = Files.writeString(dir.resolve("encrypted.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n"
                        + "-----END ENCRYPTED PRIVATE KEY-----\n");
        e = assertThrows(IOException.class, () -> PemTls.serverContext(rsa.cert(), encrypted));
        assertTrue(e.getMessage().startsWith("cannot read private key " + encrypted + ": the key is encrypted;"),
                e.getMessage());
        Path legacy = Files.writeString(dir.resolve("legacy.pem"), "-----BEGIN RSA PRIVATE KEY-----\n"
                + "Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\nAAAA\n"
                + "-----END RSA PRIVATE KEY-----\n");
        e = assertThrows(IOException.class, () -> PemTls.serverContext(rsa.cert(), legacy));
        assertTrue(e.getMessage().contains(": the key is encrypted;"), e.getMessage());

        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN PRIVATE KEY-----\nMIIB!!!!\n"
                + "-----END PRIVATE KEY-----\n");
        e = assertThrows(IOException.class, () -> PemTls.serverContext(rsa.cert(), garbage));
        assertTrue(e.getMessage().startsWith("cannot read private key " + garbage
                + ": the PRIVATE KEY block is not valid base64"), e.getMessage());
        Path truncated = write("truncated.pem", "PRIVATE KEY", java.util.Arrays.copyOf(rsa.key().getEncoded(), 40));
        e = assertThrows(IOException.class, () -> PemTls.serverContext(rsa.cert(), truncated));
        assertTrue(e.getMessage().startsWith("cannot read private key " + truncated + ": malformed PRIVATE KEY"),
                e.getMessage());
    }
}
