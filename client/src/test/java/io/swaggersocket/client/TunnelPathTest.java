package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.net.URI;
import org.junit.jupiter.api.Test;

class TunnelPathTest {
    private static final URI BASE = URI.create("wss://edge.example:8443/tunnel?x=1");

    @Test
    void theNameBecomesOnePercentEncodedSegment() {
        assertEquals("wss://edge.example:8443/tunnel/agent-7?x=1", with("agent-7").toString());
        assertEquals("wss://edge.example:8443/tunnel/a%2Fb%20c%C3%A9%3F", with("a/b cé?").getRawPath()
                .transform(p -> "wss://edge.example:8443" + p));
        // Dots are escaped too: no name makes a dot segment.
        assertEquals("/tunnel/%2E%2E", with("..").getRawPath());
        assertEquals("ws://h/x/n", TunnelPath.withName(URI.create("ws://h/x/"),
                JsonNodeFactory.instance.objectNode().put("name", "n")).toString());
    }

    @Test
    void anAgentWithoutANameDialsTheUriAsGiven() {
        assertSame(BASE, TunnelPath.withName(BASE, null));
        assertSame(BASE, TunnelPath.withName(BASE, JsonNodeFactory.instance.objectNode().put("name", 7)));
        assertSame(BASE, TunnelPath.withName(BASE, JsonNodeFactory.instance.objectNode().put("name", "")));
    }

    private static URI with(String name) {
        return TunnelPath.withName(BASE, JsonNodeFactory.instance.objectNode().put("name", name));
    }
}
