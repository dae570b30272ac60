package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.testing.Bodies;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpPut;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.CloseableHttpResponse;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.protocol.BasicHttpContext;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** httpclient5's classic {@link CloseableHttpClient} over a {@link SocketConnection}, on the in-memory pipe. */
@org.junit.jupiter.api.Timeout(30)
class HttpTransportsApacheTest {
    private static final String BASE = "http://api.example:8443";

    private HttpTransportFixture fixture;
    private CloseableHttpClient client;

    @BeforeEach
    void connect() throws Exception {
        fixture = new HttpTransportFixture();
        client = HttpTransports.apacheHttpClient(fixture.connection());
    }

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    private static String header(CloseableHttpResponse response, String name) {
        Header h = response.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }

    // ---------------------------------------------------------------------------------------------
    // Requests

    @Test
    void getWithQueryKeepsPathRawQueryAndAuthorityAsHost() throws Exception {
        try (CloseableHttpResponse response = client.execute(new HttpGet(BASE + "/echo?a=1&b=x%20y&c=%26"))) {
            assertEquals(200, response.getCode());
            assertEquals("GET", header(response, "X-Method"));
            assertEquals("/echo?a=1&b=x%20y&c=%26", header(response, "X-Path"));
            assertEquals("api.example:8443", header(response, "X-Host"));
            assertEquals("", EntityUtils.toString(response.getEntity()));
        }
    }

    @Test
    void aRelativeRequestTakesItsHostFromTheTarget() throws Exception {
        ClassicHttpRequest relative = new BasicClassicHttpRequest("GET", "/echo?q=1");
        relative.addHeader("X-Multi", "kept");
        String path = client.execute(new HttpHost("http", "svc.local", 9000), relative, response -> {
            assertEquals("svc.local:9000", response.getFirstHeader("X-Host").getValue());
            return response.getFirstHeader("X-Path").getValue();
        });
        assertEquals("/echo?q=1", path);
    }

    @Test
    void aGetWithAnEmptyJsonEntityAsGeneratedClientsSendIt() throws Exception {
        HttpGet get = new HttpGet(BASE + "/echo");
        get.setEntity(new StringEntity("", ContentType.APPLICATION_JSON));
        try (CloseableHttpResponse response = client.execute(get)) {
            assertEquals(200, response.getCode());
            assertEquals("0", header(response, "X-Content-Length"));
        }
    }

    @Test
    void postJsonString() throws Exception {
        String json = "{\"name\":\"caf\u00e9\",\"n\":1}";
        HttpPost post = new HttpPost(BASE + "/echo");
        post.setEntity(new StringEntity(json, ContentType.APPLICATION_JSON));
        try (CloseableHttpResponse response = client.execute(post)) {
            assertEquals("POST", header(response, "X-Method"));
            assertEquals("application/json; charset=UTF-8", header(response, "X-Content-Type"));
            assertEquals(Integer.toString(json.getBytes(StandardCharsets.UTF_8).length), header(response, "X-Content-Length"));
            assertEquals(json, EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void putInputStreamOfUnknownLengthStreams8MiB() throws Exception {
        long length = 8L * 1024 * 1024;
        HttpPut put = new HttpPut(BASE + "/sha");
        put.setEntity(new InputStreamEntity(HttpTransportFixture.generatedStream(length, 42), -1,
                ContentType.APPLICATION_OCTET_STREAM));
        try (CloseableHttpResponse response = client.execute(put)) {
            assertEquals("none", header(response, "X-Content-Length"));
            assertEquals(Bodies.expectedSha256(length, 42) + ":" + length, EntityUtils.toString(response.getEntity()));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Responses

    @Test
    void anEmptyBodyIsAnEmptyEntityAsInHttpclient5ButNoneFor204OrHead() throws Exception {
        try (CloseableHttpResponse response = client.execute(new HttpGet(BASE + "/echo"))) {
            assertEquals(0, response.getEntity().getContentLength());
            assertEquals(ContentType.TEXT_PLAIN.toString(), response.getEntity().getContentType());
            assertEquals("", EntityUtils.toString(response.getEntity()));
        }
        try (CloseableHttpResponse response = client.execute(new org.apache.hc.client5.http.classic.methods.HttpHead(
                BASE + "/lines"))) {
            assertEquals(200, response.getCode());
            assertNull(response.getEntity());
        }
    }

    @Test
    void a404IsAResponse() throws Exception {
        try (CloseableHttpResponse response = client.execute(new HttpGet(BASE + "/missing?x=1"))) {
            assertEquals(404, response.getCode());
            assertEquals("no route /missing?x=1", EntityUtils.toString(response.getEntity()));
        }
    }

    @Test
    void theResponseStreamsBeforeTheHandlerHasFinished() throws Exception {
        try (CloseableHttpResponse response = client.execute(new HttpGet(BASE + "/stream"));
                InputStream in = response.getEntity().getContent()) {
            assertEquals("first\n", new String(in.readNBytes(6), StandardCharsets.US_ASCII));
            assertEquals(1, fixture.connection().activeStreams(), "the handler has not finished");
            fixture.release.countDown();
            assertEquals("second\n", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        }
        assertEquals(0, fixture.connection().activeStreams());
    }

    @Test
    void headersRoundTripMultiValued() throws Exception {
        HttpGet get = new HttpGet(BASE + "/multi");
        get.addHeader("X-Multi", "a");
        get.addHeader("X-Multi", "b, c");
        get.addHeader("X-Multi", "d");
        try (CloseableHttpResponse response = client.execute(get)) {
            assertEquals(List.of("a", "b, c", "d"), fixture.multiSeen);
            assertEquals(List.of("a", "b, c", "d"), Arrays.stream(response.getHeaders("x-multi")).map(Header::getValue).toList());
            assertEquals(List.of("a=1; Path=/", "b=2; Path=/"),
                    Arrays.stream(response.getHeaders("Set-Cookie")).map(Header::getValue).toList());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Failures and cancellation

    @Test
    void theRequestConfigResponseTimeoutGivesSocketTimeoutException() throws Exception {
        HttpGet get = new HttpGet(BASE + "/hang");
        get.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(100)).build());
        assertThrows(SocketTimeoutException.class, () -> client.execute(get));
        assertInstanceOf(StreamResetException.class, fixture.cancelled.get(10, TimeUnit.SECONDS));
    }

    @Test
    void theContextRequestConfigIsUsedWhenTheRequestHasNone() throws Exception {
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(100)).build());
        assertThrows(SocketTimeoutException.class, () -> client.execute(new HttpGet(BASE + "/hang"), context));
        assertInstanceOf(StreamResetException.class, fixture.cancelled.get(10, TimeUnit.SECONDS));
    }

    @Test
    void responseTimeoutMapping() {
        HttpGet get = new HttpGet(BASE + "/");
        assertNull(SocketClassicHttpClient.responseTimeout(get, null));
        assertNull(SocketClassicHttpClient.responseTimeout(get, HttpClientContext.create()));
        BasicHttpContext plain = new BasicHttpContext();
        plain.setAttribute(HttpClientContext.REQUEST_CONFIG,
                RequestConfig.custom().setResponseTimeout(Timeout.ofSeconds(2)).build());
        assertEquals(Duration.ofSeconds(2), SocketClassicHttpClient.responseTimeout(get, plain));
        get.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.DISABLED).build());
        assertEquals(Duration.ZERO, SocketClassicHttpClient.responseTimeout(get, plain));
        get.setConfig(RequestConfig.custom().setResponseTimeout(Timeout.ofMilliseconds(1500)).build());
        assertEquals(Duration.ofMillis(1500), SocketClassicHttpClient.responseTimeout(get, plain));
    }

    @Test
    void fiftyConcurrentCallsAreAllInFlightAtOnce() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(HttpTransportFixture.CONCURRENT);
        try {
            List<Future<String>> calls = new ArrayList<>();
            for (int i = 0; i < HttpTransportFixture.CONCURRENT; i++) {
                HttpGet get = new HttpGet(BASE + "/n?" + i);
                calls.add(callers.submit(() -> client.execute(get, response -> EntityUtils.toString(response.getEntity()))));
            }
            for (int i = 0; i < calls.size(); i++) {
                assertEquals("n=" + i, calls.get(i).get(20, TimeUnit.SECONDS));
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void losingThePeerFailsCallsInFlightAndLaterOnesWithIOException() throws Exception {
        CompletableFuture<CloseableHttpResponse> call = CompletableFuture.supplyAsync(() -> {
            try {
                return client.execute(new HttpGet(BASE + "/hang"));
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        assertTrue(fixture.started.await(10, TimeUnit.SECONDS));
        fixture.sever();
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
        assertInstanceOf(SocketClosedException.class, e.getCause());
        assertThrows(SocketClosedException.class, () -> client.execute(new HttpGet(BASE + "/echo")));
    }

    @Test
    void closingTheResponseEarlyResetsTheStream() throws Exception {
        try (CloseableHttpResponse response = client.execute(new HttpGet(BASE + "/endless"))) {
            assertEquals(1000, response.getEntity().getContent().readNBytes(1000).length);
        }
        StreamResetException reset = assertInstanceOf(StreamResetException.class,
                fixture.cancelled.get(10, TimeUnit.SECONDS));
        assertEquals(ErrorCode.CANCEL, reset.errorCode());
    }

    @Test
    void closingResponsesRacingTheEndOfTheBodyLeavesNoStreamOpen() throws Exception {
        for (int i = 0; i < 500; i++) {
            CloseableHttpResponse response = client.execute(new HttpGet(BASE + "/lines"));
            if (i % 2 == 0) {
                response.getEntity().getContent().read();
            }
            response.close();
        }
        fixture.connection().shutdown();
        assertTrue(fixture.connection().awaitTermination(Duration.ofSeconds(10)), "streams left open");
    }

    @Test
    void closingTheClientLeavesTheConnectionOpenAndTheClientUsable() throws Exception {
        client.close();
        client.close(CloseMode.IMMEDIATE);
        assertTrue(fixture.connection().isOpen());
        try (CloseableHttpResponse response = client.execute(new HttpGet(BASE + "/lines"))) {
            assertEquals("one\ntwo\nthree\n", EntityUtils.toString(response.getEntity()));
        }
    }
}
