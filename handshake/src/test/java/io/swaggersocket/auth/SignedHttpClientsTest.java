package io.swaggersocket.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.swaggersocket.auth.SignatureVerifier.Invalid;
import io.swaggersocket.auth.SignatureVerifier.Valid;
import io.swaggersocket.auth.SignatureVerifier.Verdict;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The java.net.http and httpclient5 conveniences, over a real socket: a JDK HTTP server verifies
 * what the clients actually sent (the Host header they chose, the target as it went on the wire,
 * the body) and answers with the verdict.
 */
@Timeout(60)
class SignedHttpClientsTest {
    private final SteppedClock clock = new SteppedClock(RequestSignerTest.TIME);
    private final RequestSigner signer = RequestSigner.of(RequestSignerTest.KEY_ID, RequestSignerTest.SECRET)
            .withClock(clock).withSignedHeaders(List.of("Content-Type"));
    private final SignatureVerifier verifier = SignatureVerifier.builder().clock(clock).build();
    private HttpServer server;
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::judge);
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    /** Verifies the request as received, then checks the body against the signed hash. */
    private void judge(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        URI uri = exchange.getRequestURI();
        String rawTarget = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        Verdict verdict = verifier.verify(exchange.getRequestMethod(), rawTarget,
                name -> Optional.ofNullable(exchange.getRequestHeaders().get(name)).orElse(List.of()),
                id -> id.equals(RequestSignerTest.KEY_ID) ? Optional.of(RequestSignerTest.SECRET) : Optional.empty());
        String answer;
        if (verdict instanceof Valid valid) {
            answer = valid.contentSha256Hex().equals(RequestSigner.sha256Hex(body))
                    ? "valid " + valid.accessKeyId() + " " + exchange.getRequestMethod() + " " + rawTarget + " "
                    + new String(body, StandardCharsets.UTF_8) : "body does not match the signed hash";
        } else {
            answer = ((Invalid) verdict).failure() + ": " + ((Invalid) verdict).message();
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Test
    void theJdkClientsSignedRequestIsAccepted() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        byte[] body = "{\"name\":\"rex\"}".getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/agents/edge-7/p%7eets?tag=a+b&limit=10"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer old")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpRequest signed = signer.sign(request, body);
        assertEquals(List.of("application/json"), signed.headers().allValues("content-type"));
        assertEquals(1, signed.headers().allValues("authorization").size(), "the old Authorization is replaced");
        assertEquals("valid AKIDEXAMPLE POST /agents/edge-7/p%7eets?tag=a+b&limit=10 {\"name\":\"rex\"}",
                client.send(signed, HttpResponse.BodyHandlers.ofString()).body());
        assertEquals("REPLAYED", client.send(signed, HttpResponse.BodyHandlers.ofString()).body().split(":")[0]);

        clock.advance(Duration.ofSeconds(1));
        HttpRequest get = signer.sign(HttpRequest.newBuilder(URI.create(base + "/")).GET().build(), null);
        assertEquals("valid AKIDEXAMPLE GET / ", client.send(get, HttpResponse.BodyHandlers.ofString()).body());
    }

    @Test
    void theJdkConvenienceRefusesABodyThatIsNotThePublishers() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("abc")).build();
        assertEquals("body: expected the 3 bytes the request's body publisher sends but was 2",
                assertThrows(IllegalArgumentException.class, () -> signer.sign(request, new byte[2])).getMessage());
    }

    @Test
    void theApacheClientsSignedRequestIsAccepted() throws Exception {
        try (CloseableHttpClient client = HttpClients.createMinimal()) {
            HttpPost post = new HttpPost(base + "/agents/edge-7/pets?limit=10&tag=a%20b");
            post.setEntity(new ByteArrayEntity("{\"name\":\"rex\"}".getBytes(StandardCharsets.UTF_8),
                    ContentType.APPLICATION_JSON));
            signer.sign(post);
            assertEquals("application/json; charset=UTF-8", post.getFirstHeader("Content-Type").getValue(),
                    "the entity's type, made a header so that it is signed");
            assertEquals("valid AKIDEXAMPLE POST /agents/edge-7/pets?limit=10&tag=a%20b {\"name\":\"rex\"}",
                    client.execute(post, response -> EntityUtils.toString(response.getEntity())));

            clock.advance(Duration.ofSeconds(1));
            HttpGet get = new HttpGet(base + "/status");
            signer.sign(get);
            assertEquals("valid AKIDEXAMPLE GET /status ",
                    client.execute(get, response -> EntityUtils.toString(response.getEntity())));
        }
    }

    @Test
    void theApacheConvenienceRefusesAOneShotEntity() {
        HttpPost post = new HttpPost(base + "/");
        post.setEntity(new InputStreamEntity(new java.io.ByteArrayInputStream(new byte[3]), 3, ContentType.DEFAULT_BINARY));
        assertEquals("entity: expected a repeatable entity (it is read once to hash it) but it is not",
                assertThrows(IllegalArgumentException.class, () -> signer.sign(post)).getMessage());
    }
}
