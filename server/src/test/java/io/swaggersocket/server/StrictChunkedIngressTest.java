package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Chunked request bodies through the ingress, over raw sockets on 127.0.0.1: a valid one arrives
 * whole and leaves the connection ready for the next request (plain and TLS), a malformed one gets
 * 400 while the agent sees its stream reset, and framings that could smuggle get 400 unread.
 */
@Timeout(60)
class StrictChunkedIngressTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static SSLContext serverTls;
    private static SSLContext clientTls;

    private Dialer dialer;
    private SocketServer server;

    @BeforeAll
    static void keys(@TempDir Path dir) throws Exception {
        KeyStore keys = TestPki.selfSigned(dir.resolve("server.p12"), "server", "CN=localhost",
                "-keyalg", "EC", "-groupname", "secp256r1", "-ext", "SAN=ip:127.0.0.1");
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, TestPki.PASSWORD.toCharArray());
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", keys.getCertificate("server"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, tmf.getTrustManagers(), null);
    }

    @BeforeEach
    void dialer() throws IOException {
        dialer = new Dialer();
    }

    @AfterEach
    void stop() {
        dialer.close();
        if (server != null) {
            server.close();
        }
    }

    private void start(boolean tls, String agent, HttpRequestHandler handler) throws Exception {
        SocketServer.Builder b = SocketServer.builder().bind("127.0.0.1", 0).ingress(true).publicIngress(true);
        server = (tls ? b.sslContext(serverTls) : b).build();
        EventLog events = new EventLog();
        server.addListener(events);
        server.start();
        if (agent != null) {
            Dialer.Dialed dialed = dialer.dial(server.uri(), Map.of(), JsonNodeFactory.instance.objectNode()
                    .put("name", agent), handler, ConnectionConfig.defaults(), tls ? clientTls : null)
                    .get(10, TimeUnit.SECONDS);
            events.next(ConnectionEvent.Type.RECEIVED, dialed.connection().id());
        }
    }

    private Socket connect(boolean tls) throws IOException {
        Socket socket = tls ? clientTls.getSocketFactory().createSocket("127.0.0.1", server.port())
                : new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(20_000);
        return socket;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String error(RawHttp.Response r) throws IOException {
        assertEquals("application/json", r.header("content-type"), r.body());
        return JSON.readTree(r.body()).path("error").asText();
    }

    /**
     * A body of three chunks (with extensions) and a trailer, then the next request pipelined in
     * the same write: what the decoder reads past the body must become the next request.
     */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void aValidChunkedUploadArrivesIntactAndTheConnectionCarriesTheNextRequest(boolean tls) throws Exception {
        start(tls, "sink", new TestAgent("sink"));
        int[] sizes = {100_000, 1, 150_000};
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(ascii("POST /agents/sink/sha HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
        MessageDigest sha = TestAgent.sha256();
        int offset = 0;
        for (int size : sizes) {
            wire.write(ascii(Integer.toHexString(size) + " ; name=\"a;b\";x\r\n"));
            wire.write(TestAgent.BLOCK, offset, size);
            sha.update(TestAgent.BLOCK, offset, size);
            wire.write(ascii("\r\n"));
            offset += size;
        }
        wire.write(ascii("0\r\nX-Checksum: whatever\r\n\r\n"));
        wire.write(ascii("GET /agents/sink/info/next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        try (Socket socket = connect(tls)) {
            socket.getOutputStream().write(wire.toByteArray());
            InputStream in = socket.getInputStream();
            RawHttp.Response upload = RawHttp.read(in);
            assertEquals(200, upload.status(), upload.body());
            assertEquals(offset + " " + HexFormat.of().formatHex(sha.digest()), upload.body());
            RawHttp.Response next = RawHttp.read(in);
            assertEquals(200, next.status(), next.body());
            assertEquals("GET /info/next", next.body().split("\n")[1]);
        }
    }

    /**
     * After a valid first chunk, a malformed rest: 400 with what was wrong, the connection closes,
     * and the agent, which was reading the body, sees its stream reset rather than an end.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            zz\\r\\n                             | expected a hex digit (chunk size) but was 'z'
            5x\\r\\nworld\\r\\n0\\r\\n\\r\\n     | expected ';' or CRLF after the chunk size but was 'x'
            5\\r\\nworldXX\\r\\n0\\r\\n\\r\\n    | expected CRLF after the 5 bytes of chunk data but was another byte (more data than the chunk size)
            ffffffffffffffffffff\\r\\n           | expected a chunk size of at most 7fffffffffffffff but it is larger
            0\\r\\nno colon here\\r\\n\\r\\n     | expected ':' after a trailer field name but was SP
            """)
    void aMalformedChunkedBodyGets400AndTheAgentSeesAReset(String malformed, String message) throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        start(false, "sink", (request, response, context) -> {
            try (InputStream body = request.getEntity().getContent()) {
                seen.complete("whole body of " + body.readAllBytes().length + " bytes");
            } catch (IOException e) {
                seen.complete("failed: " + e.getClass().getSimpleName());
                throw e;
            }
            response.setEntity(new StringEntity("read it all", ContentType.TEXT_PLAIN));
        });
        try (Socket socket = connect(false)) {
            socket.getOutputStream().write(ascii("POST /agents/sink/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
                    + malformed.replace("\\r", "\r").replace("\\n", "\n")));
            RawHttp.Response r = RawHttp.read(socket.getInputStream());
            assertEquals(400, r.status(), r.body());
            assertEquals("malformed chunked body: " + message, error(r));
            assertEquals("close", r.header("connection"));
            assertEquals(-1, readOrReset(socket), "no second answer: the connection is closed");
        }
        assertEquals("failed: StreamResetException", seen.get(10, TimeUnit.SECONDS));
    }

    /**
     * Framings that are refused before a byte of the body is read, and before the agent is looked
     * up. Undertow refuses two of them itself, with a bare 400, before any handler runs
     * ({@code Connectors.areRequestHeadersValid}): those rows expect no message.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            HTTP/1.1 | Transfer-Encoding: chunked\\r\\nContent-Length: 5   |
            HTTP/1.1 | Content-Length: 5\\r\\nTransfer-Encoding: chunked   |
            HTTP/1.1 | Transfer-Encoding: gzip                              | expected Transfer-Encoding: chunked but was "gzip"
            HTTP/1.1 | Transfer-Encoding: chunked, gzip                     | expected Transfer-Encoding: chunked but was "chunked, gzip"
            HTTP/1.1 | Transfer-Encoding: identity                          | expected Transfer-Encoding: chunked but was "identity"
            HTTP/1.1 | Transfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked |
            HTTP/1.0 | Transfer-Encoding: chunked                           | expected no Transfer-Encoding in an HTTP/1.0 request but it has one
            """)
    void smugglingProneFramingsGet400(String version, String headers, String message) throws Exception {
        start(false, null, null);
        try (Socket socket = connect(false)) {
            socket.getOutputStream().write(ascii("POST /agents/nobody/x " + version + "\r\nHost: 127.0.0.1\r\n"
                    + headers.replace("\\r", "\r").replace("\\n", "\n") + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
            RawHttp.Response r = RawHttp.read(socket.getInputStream());
            assertEquals(400, r.status(), r.body());
            if (message == null) {
                assertEquals("", r.body(), "Undertow's own answer");
            } else {
                assertEquals(message, error(r));
            }
            assertEquals("close", r.header("connection"));
            assertEquals(-1, readOrReset(socket), "the unread body is never taken for a request");
        }
    }

    /** The next byte, or -1 when the connection ended, by a FIN or a reset. */
    private static int readOrReset(Socket socket) throws IOException {
        try {
            return socket.getInputStream().read();
        } catch (SocketException reset) {
            assertTrue(reset.getMessage().contains("reset"), reset.toString());
            return -1;
        }
    }
}
