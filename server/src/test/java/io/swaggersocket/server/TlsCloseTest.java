package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swaggersocket.mux.ConnectionConfig;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wss server closing while an agent is connected must not trip Undertow's close path on its own
 * side (UT000091 "Buffer has already been freed", logged by XNIO as XNIO000011).
 *
 * <p>The test {@link Dialer} does trip it, often, on its side: it dials with XNIO's
 * {@code JsseXnioSsl}, whose connection stays {@code isOpen()} after both directions are shut
 * until the TLS close completes, and Undertow 2.3.27's {@code AbstractFramedChannel}
 * FrameCloseListener (AbstractFramedChannel.java:1081) reads its freed read buffer in that state.
 * The server (Undertow's https listener) and {@code SocketClient} use {@code UndertowXnioSsl},
 * whose connection is closed once both directions are; this test keeps the server side so.
 */
@Timeout(60)
class TlsCloseTest {
    @TempDir
    static Path dir;

    @Test
    void serverClosingWithAnAgentConnectedLogsNoBufferErrorOnItsSide() throws Exception {
        KeyStore keys = TestPki.selfSigned(dir.resolve("server.p12"), "server", "CN=localhost", "-keyalg", "EC",
                "-groupname", "secp256r1", "-ext", "SAN=ip:127.0.0.1");
        Path cert = TestPki.pem(dir.resolve("server.pem"), List.of(TestPki.certificate(keys, "server")));
        Path key = TestPki.pem(dir.resolve("server-key.pem"), "PRIVATE KEY", TestPki.key(keys, "server").getEncoded());
        SSLContext serverTls = PemTls.serverContext(cert, key);
        SSLContext agentTls = PemTls.clientContext(null, null, cert);
        try (Dialer dialer = new Dialer(); LogCapture xnio = new LogCapture("org.xnio.nio")) {
            for (int i = 0; i < 5; i++) {
                SocketServer server = SocketServer.builder().bind("127.0.0.1", 0).sslContext(serverTls).build();
                server.start();
                EventLog events = new EventLog();
                server.addListener(events);
                Dialer.Dialed agent = dialer.dial(server.uri(), Map.of(), null, new TestAgent("a"),
                        ConnectionConfig.defaults(), agentTls).get(10, TimeUnit.SECONDS);
                events.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());
                server.close(); // returns once the server's XNIO worker has terminated: its tasks have all run
            }
            assertEquals(List.of(), xnio.messages().stream().filter(m -> m.contains("[swaggersocket-server")
                    && (m.contains("XNIO000011") || m.contains("UT000091"))).toList());
        }
    }
}
