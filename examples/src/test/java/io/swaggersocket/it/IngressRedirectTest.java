package io.swaggersocket.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpExchange;
import io.swaggersocket.client.ForwardingHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 12, prefix awareness: an upstream that redirects within itself, reached through the
 * ingress at {@code /agents/NAME/...}, sends a redirect-following client to the right path under
 * the same agent; the upstream is told the prefix in {@code X-Forwarded-Prefix}, never the
 * client's.
 */
@Timeout(60)
class IngressRedirectTest {
    private final IngressTunnel tunnel = new IngressTunnel();
    private final HttpClient following = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(10)).build();
    private final HttpClient notFollowing = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();

    @AfterEach
    void close() throws Exception {
        tunnel.close();
    }

    /**
     * A shop under {@code base} ("" or "/api"): {@code /items?limit=N} redirects (301) to
     * {@code /items/?limit=N} path-absolute, {@code /self} to its own absolute URL, {@code /aware}
     * to a path under the X-Forwarded-Prefix it got, {@code /public} to an absolute URL of the
     * X-Forwarded-Host; {@code /items/} answers 200 with the query and the prefix it saw.
     */
    private URI shop(String base) throws IOException {
        return tunnel.upstream("/", exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            String prefix = exchange.getRequestHeaders().getFirst("X-Forwarded-Prefix");
            String self = "http://127.0.0.1:" + exchange.getLocalAddress().getPort() + base;
            if (!path.startsWith(base + "/")) {
                answer(exchange, 404, "not under " + base + ": " + path);
            } else if (path.equals(base + "/items")) {
                redirect(exchange, 301, base + "/items/?" + query);
            } else if (path.equals(base + "/self")) {
                redirect(exchange, 302, self + "/items/?" + query);
            } else if (path.equals(base + "/aware")) {
                redirect(exchange, 302, prefix + "/items/?" + query);
            } else if (path.equals(base + "/public")) {
                redirect(exchange, 303, exchange.getRequestHeaders().getFirst("X-Forwarded-Proto") + "://"
                        + exchange.getRequestHeaders().getFirst("X-Forwarded-Host") + base + "/items/?" + query);
            } else if (path.equals(base + "/items/")) {
                answer(exchange, 200, "items " + query + " prefix=" + prefix + " at " + path);
            } else {
                answer(exchange, 404, "no " + path);
            }
        });
    }

    private static void redirect(HttpExchange exchange, int status, String location) throws IOException {
        exchange.getResponseHeaders().set("Location", location);
        answer(exchange, status, "see " + location);
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private HttpResponse<String> get(HttpClient client, String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(tunnel.ingress(pathAndQuery)).timeout(Duration.ofSeconds(10))
                .header("X-Forwarded-Prefix", "/not/the/clients/to/say").build(), HttpResponse.BodyHandlers.ofString());
    }

    private void assertLandsOnItems(String pathAndQuery, String agentPath, String body) throws Exception {
        HttpResponse<String> response = get(following, pathAndQuery);
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(agentPath + "/items/", response.uri().getRawPath());
        assertEquals(body, response.body());
    }

    @Test
    void aPathAbsoluteRedirectStaysUnderTheAgent() throws Exception {
        tunnel.server(b -> b).agent("shop", ForwardingHandler.to(shop("")));
        assertLandsOnItems("/agents/shop/items?limit=5", "/agents/shop", "items limit=5 prefix=/agents/shop at /items/");
    }

    @Test
    void aRedirectToTheUpstreamsOwnAbsoluteUrlStaysUnderTheAgent() throws Exception {
        tunnel.server(b -> b).agent("shop", ForwardingHandler.to(shop("")));
        assertLandsOnItems("/agents/shop/self?limit=7", "/agents/shop", "items limit=7 prefix=/agents/shop at /items/");
    }

    @Test
    void anUpstreamThatHonoursTheForwardedHeadersIsLeftAsItIs() throws Exception {
        tunnel.server(b -> b).agent("shop", ForwardingHandler.to(shop("")));
        assertLandsOnItems("/agents/shop/aware?limit=9", "/agents/shop", "items limit=9 prefix=/agents/shop at /items/");
        // An absolute URL of the host the client called (X-Forwarded-Host), without the prefix: it gets it.
        assertLandsOnItems("/agents/shop/public?limit=11", "/agents/shop",
                "items limit=11 prefix=/agents/shop at /items/");
    }

    @Test
    void anUpstreamUnderABasePathRedirectsWithinItsBase() throws Exception {
        URI shop = shop("/api");
        tunnel.server(b -> b).agent("shop", ForwardingHandler.to(URI.create(shop + "/api")));
        assertLandsOnItems("/agents/shop/items?limit=3", "/agents/shop", "items limit=3 prefix=/agents/shop at /api/items/");
        assertLandsOnItems("/agents/shop/self?limit=4", "/agents/shop", "items limit=4 prefix=/agents/shop at /api/items/");
    }

    @Test
    void theNameKeepsItsEncodingInThePrefix() throws Exception {
        tunnel.server(b -> b).agent("my shop", ForwardingHandler.to(shop("")));
        assertLandsOnItems("/agents/my%20shop/items?limit=5", "/agents/my%20shop",
                "items limit=5 prefix=/agents/my%20shop at /items/");
    }

    @Test
    void withRewritingOffOnBothSidesTheUpstreamsLocationGoesThroughUntouched() throws Exception {
        URI shop = shop("");
        tunnel.server(b -> b.rewriteRedirects(false))
                .agent("shop", ForwardingHandler.builder(shop).rewriteRedirects(false).build());
        HttpResponse<String> relative = get(notFollowing, "/agents/shop/items?limit=5");
        assertEquals(301, relative.statusCode());
        assertEquals("/items/?limit=5", relative.headers().firstValue("Location").orElse(null));
        HttpResponse<String> absolute = get(notFollowing, "/agents/shop/self?limit=7");
        assertEquals(302, absolute.statusCode());
        assertEquals(shop + "/items/?limit=7", absolute.headers().firstValue("Location").orElse(null));
        // The prefix is still named to the upstream.
        assertEquals("items x=1 prefix=/agents/shop at /items/", get(notFollowing, "/agents/shop/items/?x=1").body());
    }

    @Test
    void theAgentAloneMakesTheUpstreamsUrlAPathOfWhatItExposes() throws Exception {
        URI shop = shop("");
        tunnel.server(b -> b.rewriteRedirects(false)).agent("shop", ForwardingHandler.to(shop));
        HttpResponse<String> absolute = get(notFollowing, "/agents/shop/self?limit=7");
        assertEquals("/items/?limit=7", absolute.headers().firstValue("Location").orElse(null));
    }
}
