package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** wss: a self-signed certificate made by the JDK's keytool, trusted explicitly by the client. */
@Timeout(60)
class TlsTest {
    private static final ConnectionConfig CONFIG = ConnectionConfig.builder()
            .handshakeTimeout(Duration.ofSeconds(5)).shutdownGracePeriod(Duration.ofSeconds(2)).build();

    @TempDir
    Path dir;

    @Test
    void connectsOverWssWhenTheCertificateNamesTheHost() throws Exception {
        KeyStore keys = TestCertificates.selfSigned(dir, "SAN=ip:127.0.0.1");
        try (TestServer server = TestServer.startTls(CONFIG, TestCertificates.serverContext(keys));
                SocketClient client = SocketClient.builder(server.uri()).connectionConfig(CONFIG)
                        .sslContext(TestCertificates.clientContext(keys)).header("Authorization", "Bearer t").build()) {
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
        KeyStore keys = TestCertificates.selfSigned(dir, "SAN=dns:elsewhere.example");
        try (TestServer server = TestServer.startTls(CONFIG, TestCertificates.serverContext(keys));
                SocketClient client = SocketClient.builder(server.uri()).connectionConfig(CONFIG)
                        .sslContext(TestCertificates.clientContext(keys)).reconnect(ReconnectPolicy.disabled()).build()) {
            IOException e = assertThrows(IOException.class, client::connect);
            assertEquals("cannot open a WebSocket to wss://127.0.0.1:" + server.port() + "/agents: the connection"
                    + " closed before the upgrade was answered, most often because the TLS handshake failed"
                    + " (the server's certificate not trusted or not issued for 127.0.0.1, or the server requires"
                    + " a client certificate and got none it trusts)", e.getMessage());
            assertTrue(server.accepted.poll(100, TimeUnit.MILLISECONDS) == null);
        }
    }
}
