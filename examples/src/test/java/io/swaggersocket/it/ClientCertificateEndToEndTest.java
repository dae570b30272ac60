package io.swaggersocket.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.server.AuthResult;
import io.swaggersocket.server.ClientAuth;
import io.swaggersocket.server.ClientCertificates;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.PemTls;
import io.swaggersocket.server.SocketServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent built on {@link SocketClient} dials a server that requires client certificates, with
 * {@link PemTls#clientContext}; the server's authenticator names it by its certificate's CN.
 */
@Timeout(60)
class ClientCertificateEndToEndTest {
    private static final String PASSWORD = "changeit";
    private static final ConnectionConfig CONFIG = ConnectionConfig.builder()
            .handshakeTimeout(Duration.ofSeconds(10)).shutdownGracePeriod(Duration.ofSeconds(1)).build();

    @TempDir
    static Path dir;

    private static Path serverCert;
    private static Path serverKey;
    /** A self-signed agent certificate, which the server trusts as its own anchor. */
    private static Path agentCert;
    private static Path agentKey;

    record CertificatePrincipal(String getName) implements Principal {
    }

    @BeforeAll
    static void makeCertificates() throws Exception {
        KeyStore server = selfSigned("server", "CN=localhost", "SAN=ip:127.0.0.1");
        serverCert = pem("server.pem", "CERTIFICATE", server.getCertificate("server").getEncoded());
        serverKey = pem("server-key.pem", "PRIVATE KEY", server.getKey("server", PASSWORD.toCharArray()).getEncoded());
        KeyStore agent = selfSigned("agent", "CN=edge-7,O=Example", "EKU=clientAuth");
        agentCert = pem("agent.pem", "CERTIFICATE", agent.getCertificate("agent").getEncoded());
        agentKey = pem("agent-key.pem", "PRIVATE KEY", agent.getKey("agent", PASSWORD.toCharArray()).getEncoded());
    }

    private static KeyStore selfSigned(String alias, String dname, String extension) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname,
                "-ext", extension, "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertTrue(keytool.waitFor(30, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, keytool.exitValue(), "keytool: " + output);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD.toCharArray());
        }
        return keys;
    }

    private static Path pem(String file, String type, byte[] der) throws IOException {
        return Files.writeString(dir.resolve(file), "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n");
    }

    private static SocketServer server() throws IOException {
        SocketServer server = SocketServer.builder().bind("127.0.0.1", 0)
                .sslContext(PemTls.serverContext(serverCert, serverKey, agentCert))
                .clientCertificates(ClientAuth.REQUIRED)
                .authenticator(request -> request.clientCertificates().stream().findFirst()
                        .flatMap(ClientCertificates::commonName)
                        .<AuthResult>map(cn -> AuthResult.accept(new CertificatePrincipal(cn)))
                        .orElseGet(() -> AuthResult.unauthorized("expected a client certificate")))
                .build();
        server.start();
        return server;
    }

    @Test
    void anAgentWithItsCertificateIsNamedByItsCommonName() throws Exception {
        BlockingQueue<ConnectionEvent> events = new LinkedBlockingQueue<>();
        try (SocketServer server = server();
                SocketClient agent = SocketClient.builder(server.uri()).connectionConfig(CONFIG)
                        .sslContext(PemTls.clientContext(agentCert, agentKey, serverCert))
                        .reconnect(ReconnectPolicy.disabled()).build()) {
            server.addListener(events::add);
            SocketConnection connection = agent.connect();
            ConnectionEvent received = events.poll(10, TimeUnit.SECONDS);
            assertEquals(ConnectionEvent.Type.RECEIVED, received.type());
            assertEquals(connection.id(), received.connectionId());
            assertEquals("edge-7", received.connection().principal().orElseThrow().getName());
        }
    }

    @Test
    void anAgentWithoutACertificateCannotConnect() throws Exception {
        try (SocketServer server = server();
                SocketClient agent = SocketClient.builder(server.uri()).connectionConfig(CONFIG)
                        .sslContext(PemTls.clientContext(null, null, serverCert))
                        .reconnect(ReconnectPolicy.disabled()).build()) {
            IOException e = assertThrows(IOException.class, agent::connect);
            assertEquals("cannot open a WebSocket to " + server.uri() + ": the connection closed before the upgrade"
                    + " was answered, most often because the TLS handshake failed (the server's certificate not trusted"
                    + " or not issued for 127.0.0.1, or the server requires a client certificate and got none it"
                    + " trusts)", e.getMessage());
            assertEquals(0, server.activeConnections().size());
        }
    }
}
