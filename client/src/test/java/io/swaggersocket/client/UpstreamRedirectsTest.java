package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.util.Arrays;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The upstream's own URLs in its redirects, made paths of what the agent exposes. */
class UpstreamRedirectsTest {
    private static final UpstreamRedirects ROOT = new UpstreamRedirects(URI.create("http://127.0.0.1:8080"), "");
    private static final UpstreamRedirects API = new UpstreamRedirects(URI.create("http://127.0.0.1:8080/api/"), "/api");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "http://127.0.0.1:8080/items/?limit=5     | /items/?limit=5",
        "HTTP://127.0.0.1:8080/items#top          | /items#top",
        "http://127.0.0.1:8080                    | /",
        "http://127.0.0.1:8080?x=1                | /?x=1",
        "/items/?limit=5                          | /items/?limit=5",
        "items/                                   | items/",
        "../x                                     | ../x",
        "//127.0.0.1:8080/x                       | //127.0.0.1:8080/x",
        "http://127.0.0.1:8080//evil.example/x    | http://127.0.0.1:8080//evil.example/x",
        "http://127.0.0.1:8080/\\evil.example/x   | http://127.0.0.1:8080/\\evil.example/x",
        "http://127.0.0.1:9090/items              | http://127.0.0.1:9090/items",
        "http://127.0.0.1:8080.evil.example/x     | http://127.0.0.1:8080.evil.example/x",
        "http://u@127.0.0.1:8080/x                | http://u@127.0.0.1:8080/x",
        "https://127.0.0.1:8080/items             | https://127.0.0.1:8080/items",
        "https://example.com/?next=http://127.0.0.1:8080/x | https://example.com/?next=http://127.0.0.1:8080/x",
    })
    void withoutABasePath(String location, String expected) {
        assertEquals(expected, ROOT.rewrite(location));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "http://127.0.0.1:8080/api/items/?limit=5 | /items/?limit=5",
        "http://127.0.0.1:8080/api                | /",
        "http://127.0.0.1:8080/api?x=1            | /?x=1",
        "/api/items/?limit=5                      | /items/?limit=5",
        "/api                                     | /",
        "/api#top                                 | /#top",
        "/apix/items                              | /apix/items",
        "/other                                   | /other",
        "http://127.0.0.1:8080/other              | http://127.0.0.1:8080/other",
        "http://127.0.0.1:8080/apix               | http://127.0.0.1:8080/apix",
        "/api//evil.example/x                     | /api//evil.example/x",
        "http://127.0.0.1:8080/api//evil.example/x | http://127.0.0.1:8080/api//evil.example/x",
        "/api/\\evil.example                      | /api/\\evil.example",
        "//127.0.0.1:8080/api/x                   | //127.0.0.1:8080/api/x",
        "items/                                   | items/",
    })
    void withABasePath(String location, String expected) {
        assertEquals(expected, API.rewrite(location));
    }

    @Test
    void theDefaultPortIsTheSameAuthority() {
        UpstreamRedirects https = new UpstreamRedirects(URI.create("https://backend.internal"), "");
        assertEquals("/x", https.rewrite("https://backend.internal:443/x"));
        assertEquals("/x", https.rewrite("https://BACKEND.internal/x"));
        assertEquals("http://backend.internal/x", https.rewrite("http://backend.internal/x"));
        UpstreamRedirects explicit = new UpstreamRedirects(URI.create("http://backend.internal:80"), "");
        assertEquals("/x", explicit.rewrite("http://backend.internal/x"));
    }

    @Test
    void emptyOrNoLocationIsLeft() {
        assertEquals("", ROOT.rewrite(""));
        assertNull(ROOT.rewrite(null));
    }

    @Test
    void onlyLocationAndContentLocationOfTheResponseChange() {
        BasicClassicHttpResponse response = new BasicClassicHttpResponse(301);
        response.addHeader("Location", "http://127.0.0.1:8080/api/items/");
        response.addHeader("Link", "<http://127.0.0.1:8080/api/items/>; rel=next");
        response.addHeader("content-location", "http://127.0.0.1:8080/api/items/1");
        API.apply(response);
        assertArrayEquals(new String[] {"Location: /items/", "Link: <http://127.0.0.1:8080/api/items/>; rel=next",
                "content-location: /items/1"}, Arrays.stream(response.getHeaders()).map(Header::toString).toArray());
    }
}
