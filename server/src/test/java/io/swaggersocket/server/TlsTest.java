package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.swaggersocket.mux.ConnectionConfig;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class TlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();

    private static Dialer dialer;
    private static SSLContext serverContext;
    private static SSLContext clientContext;

    @BeforeAll
    static void setUp(@TempDir Path dir) throws Exception {
        dialer = new Dialer();
        Path keystore = dir.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12",
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertEquals(true, keytool.waitFor(30, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, keytool.exitValue(), "keytool: " + output);

        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            keys.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", keys.getCertificate("server"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, tmf.getTrustManagers(), null);
    }

    @AfterAll
    static void stopDialer() {
        dialer.close();
    }

    @Test
    void tunnelOverTlsCarriesCallsBothWays() throws Exception {
        EventLog log = new EventLog();
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).sslContext(serverContext)
                .handler((request, response, context) ->
                        response.setEntity(new StringEntity("server over tls", ContentType.TEXT_PLAIN)))
                .build()) {
            server.addListener(log);
            server.start();
            assertEquals("wss", server.uri().getScheme());

            Dialer.Dialed agent = dialer.dial(server.uri(), Map.of(), null, (request, response, context) ->
                    response.setEntity(new StringEntity("agent over tls", ContentType.TEXT_PLAIN)),
                    ConnectionConfig.defaults(), clientContext).get(10, TimeUnit.SECONDS);
            log.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());

            try (ClassicHttpResponse r = server.connection(agent.connection().id()).orElseThrow()
                    .execute(ClassicRequestBuilder.get("/x").build(), Duration.ofSeconds(10))) {
                assertEquals("agent over tls", EntityUtils.toString(r.getEntity()));
            }
            try (ClassicHttpResponse r = agent.connection()
                    .execute(ClassicRequestBuilder.get("/y").build(), Duration.ofSeconds(10))) {
                assertEquals("server over tls", EntityUtils.toString(r.getEntity()));
            }
            assertEquals(List.of(agent.connection().id()),
                    server.activeConnections().stream().map(c -> c.id()).toList());

            // The same listener answers plain HTTPS requests too.
            RawHttp.Response raw = RawHttp.exchange(server.port(), clientContext,
                    "GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
            assertEquals(404, raw.status());
        }
    }

    @Test
    void clientThatDoesNotTrustTheCertificateCannotDial() throws Exception {
        try (SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).sslContext(serverContext).build()) {
            server.start();
            SSLContext untrusting = SSLContext.getInstance("TLS");
            untrusting.init(null, null, null); // the JDK's default trust store
            assertThrows(ExecutionException.class, () -> dialer.dial(server.uri(), Map.of(), null, null,
                    ConnectionConfig.defaults(), untrusting).get(10, TimeUnit.SECONDS));
            assertEquals(List.of(), server.activeConnections());
        }
    }
}
