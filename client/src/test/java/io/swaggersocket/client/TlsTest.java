package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** wss: a self-signed certificate made by the JDK's keytool, trusted explicitly by the client. */
@Timeout(60)
class TlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final ConnectionConfig CONFIG = ConnectionConfig.builder()
            .handshakeTimeout(Duration.ofSeconds(5)).shutdownGracePeriod(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @Test
    void connectsOverWssWhenTheCertificateNamesTheHost() throws Exception {
        KeyStore keys = selfSigned("SAN=ip:127.0.0.1");
        try (TestServer server = TestServer.startTls(CONFIG, serverContext(keys));
                SocketClient client = SocketClient.builder(server.uri()).connectionConfig(CONFIG)
                        .sslContext(clientContext(keys)).header("Authorization", "Bearer t").build()) {
            SocketConnection connection = client.connect();
            assertEquals(server.nextConnection().id(), connection.id());
            assertEquals(List.of("Bearer t"), server.nextUpgradeHeaders().get("authorization"));
            try (ClassicHttpResponse r = connection.execute(ClassicRequestBuilder.get("/tls").build())) {
                assertEquals("server got GET /tls", EntityUtils.toString(r.getEntity()));
            }
        }
    }

    @Test
    void refusesACertificateForAnotherHost() throws Exception {
        KeyStore keys = selfSigned("SAN=dns:elsewhere.example");
        try (TestServer server = TestServer.startTls(CONFIG, serverContext(keys));
                SocketClient client = SocketClient.builder(server.uri()).connectionConfig(CONFIG)
                        .sslContext(clientContext(keys)).reconnect(ReconnectPolicy.disabled()).build()) {
            IOException e = assertThrows(IOException.class, client::connect);
            assertEquals("cannot open a WebSocket to wss://127.0.0.1:" + server.port() + "/agents: the connection"
                    + " closed before the upgrade was answered, most often because the TLS handshake failed"
                    + " (the server's certificate not trusted or not issued for 127.0.0.1, or the server requires"
                    + " a client certificate and got none it trusts)", e.getMessage());
            assertTrue(server.accepted.poll(100, TimeUnit.MILLISECONDS) == null);
        }
    }

    private KeyStore selfSigned(String san) throws Exception {
        Path file = dir.resolve("keys-" + System.nanoTime() + ".p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=test",
                "-ext", san, "-validity", "2", "-storetype", "PKCS12", "-keystore", file.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertTrue(keytool.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, keytool.exitValue(), output);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    private static SSLContext serverContext(KeyStore keys) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    private static SSLContext clientContext(KeyStore keys) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(keys);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
