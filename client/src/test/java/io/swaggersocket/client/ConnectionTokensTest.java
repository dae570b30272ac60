package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.junit.jupiter.api.Test;

class ConnectionTokensTest {
    private static BasicClassicHttpResponse response(String... connection) {
        BasicClassicHttpResponse r = new BasicClassicHttpResponse(200);
        for (String value : connection) {
            r.addHeader("Connection", value);
        }
        return r;
    }

    @Test
    void withoutConnectionFieldsHttp11PersistsAnd10DoesNot() {
        ConnectionTokens none = ConnectionTokens.of(response());
        assertSame(ForwardingHandler.NOT_FORWARDED, none.dropped());
        assertTrue(none.keepAlive(HttpVersion.HTTP_1_1));
        assertTrue(none.keepAlive(null));
        assertFalse(none.keepAlive(HttpVersion.HTTP_1_0));
    }

    @Test
    void theUsualValuesCostNoSetAndNamedFieldsAreDroppedCaseInsensitively() {
        ConnectionTokens keep = ConnectionTokens.of(response("Keep-Alive"));
        assertSame(ForwardingHandler.NOT_FORWARDED, keep.dropped());
        assertTrue(keep.keepAlive(HttpVersion.HTTP_1_0));

        ConnectionTokens close = ConnectionTokens.of(response("keep-alive", " CLOSE ,"));
        assertFalse(close.keepAlive(HttpVersion.HTTP_1_1));

        ConnectionTokens named = ConnectionTokens.of(response("keep-alive, X-Hop,,x-other ", "Upgrade"));
        assertTrue(named.keepAlive(HttpVersion.HTTP_1_1));
        assertTrue(named.dropped().contains("x-hop"));
        assertTrue(named.dropped().contains("X-OTHER"));
        assertTrue(named.dropped().contains("transfer-encoding"));
        assertFalse(named.dropped().contains("X-Kept"));
        assertEquals(ForwardingHandler.NOT_FORWARDED.size() + 2, named.dropped().size());
    }
}
