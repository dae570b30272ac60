package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The prefix the ingress names to its agent, and puts back into the agent's redirects. */
class IngressPrefixTest {
    private static final String PREFIX = "/agents/shop";
    private static final String HOST = "tunnel.example.com:8443";

    private static String rewrite(String location) {
        return IngressPrefix.rewrite(location, PREFIX, HOST, "https");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        // path-absolute: under the agent
        "/items/?limit=5                          | /agents/shop/items/?limit=5",
        "/                                        | /agents/shop/",
        "/items#top                               | /agents/shop/items#top",
        "/items/?next=/agents/other/x#frag        | /agents/shop/items/?next=/agents/other/x#frag",
        "/?q=1                                    | /agents/shop/?q=1",
        "/%2F%2Fevil.example/x                    | /agents/shop/%2F%2Fevil.example/x",
        "/\\evil.example/x                        | /agents/shop/\\evil.example/x",
        "/agents/shopping/list                    | /agents/shop/agents/shopping/list",
        // the client's own host: the path goes under the agent, scheme and authority kept
        "https://tunnel.example.com:8443/items/?limit=5 | https://tunnel.example.com:8443/agents/shop/items/?limit=5",
        "HTTPS://Tunnel.Example.COM:8443/items    | HTTPS://Tunnel.Example.COM:8443/agents/shop/items",
        "https://tunnel.example.com:8443          | https://tunnel.example.com:8443/agents/shop/",
        "https://tunnel.example.com:8443?x=1      | https://tunnel.example.com:8443/agents/shop/?x=1",
        "http://tunnel.example.com:8443/items     | http://tunnel.example.com:8443/agents/shop/items",
        "https://tunnel.example.com:8443//evil.example/x | https://tunnel.example.com:8443/agents/shop//evil.example/x",
        // already under the prefix: the upstream honoured X-Forwarded-Prefix
        "/agents/shop/items/                      | /agents/shop/items/",
        "/agents/shop                             | /agents/shop",
        "/agents/shop?x=1                         | /agents/shop?x=1",
        "https://tunnel.example.com:8443/agents/shop/items | https://tunnel.example.com:8443/agents/shop/items",
        // left as they are
        "//evil.example/x                         | //evil.example/x",
        "//tunnel.example.com:8443/items          | //tunnel.example.com:8443/items",
        "items/                                   | items/",
        "../x                                     | ../x",
        "?page=2                                  | ?page=2",
        "#top                                     | #top",
        "https://other.example/items              | https://other.example/items",
        "https://tunnel.example.com/items         | https://tunnel.example.com/items",
        "https://tunnel.example.com:8443.evil.example/x | https://tunnel.example.com:8443.evil.example/x",
        "https://user@tunnel.example.com:8443/x   | https://user@tunnel.example.com:8443/x",
        "https://evil.example/?u=https://tunnel.example.com:8443/x | https://evil.example/?u=https://tunnel.example.com:8443/x",
        "ftp://tunnel.example.com:8443/x          | ftp://tunnel.example.com:8443/x",
        "javascript:alert(1)//                    | javascript:alert(1)//",
        "https:///items                           | https:///items",
        "mailto:ops@tunnel.example.com            | mailto:ops@tunnel.example.com",
    })
    void rewrites(String location, String expected) {
        assertEquals(expected, rewrite(location));
    }

    @Test
    void anEmptyLocationIsLeft() {
        assertEquals("", rewrite(""));
        assertNull(rewrite(null));
    }

    @Test
    void theDefaultPortOfEitherSideIsTheSameAuthority() {
        assertEquals("https://tunnel.example.com:443/agents/shop/x",
                IngressPrefix.rewrite("https://tunnel.example.com:443/x", PREFIX, "tunnel.example.com", "https"));
        assertEquals("http://tunnel.example.com/agents/shop/x",
                IngressPrefix.rewrite("http://tunnel.example.com/x", PREFIX, "tunnel.example.com:80", "http"));
        assertEquals("http://tunnel.example.com:443/x",
                IngressPrefix.rewrite("http://tunnel.example.com:443/x", PREFIX, "tunnel.example.com", "https"));
    }

    @Test
    void anIpv6HostMatchesItself() {
        assertEquals("http://[::1]:8080/agents/shop/x", IngressPrefix.rewrite("http://[::1]:8080/x", PREFIX, "[::1]:8080", "http"));
        assertEquals("http://[::2]:8080/x", IngressPrefix.rewrite("http://[::2]:8080/x", PREFIX, "[::1]:8080", "http"));
    }

    @Test
    void thePrefixKeepsTheNameAsTheClientEncodedIt() {
        assertEquals("/agents/my%20shop", IngressPrefix.of("/agents/my%20shop/items"));
        assertEquals("/agents/shop", IngressPrefix.of("/agents/shop"));
        assertEquals("/agents/a%2Fb", IngressPrefix.of("/agents/a%2Fb/"));
        assertNull(IngressPrefix.of("/agents/"));
        assertNull(IngressPrefix.of("/agents"));
        assertNull(IngressPrefix.of("/connections"));
        assertEquals("/agents/my%20shop/x", IngressPrefix.rewrite("/x", "/agents/my%20shop", HOST, "https"));
    }

    @Test
    void onlyLocationAndContentLocationAreRewritten() {
        assertEquals(true, IngressPrefix.rewrites("location"));
        assertEquals(true, IngressPrefix.rewrites("Content-Location"));
        assertEquals(false, IngressPrefix.rewrites("Link"));
        assertEquals(false, IngressPrefix.rewrites("Refresh"));
    }
}
