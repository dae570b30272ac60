package io.swaggersocket.undertow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** The framing switch: raw unless the system property says undertow; anything else is a mistake named as such. */
@Isolated // changes a system property
class WebSocketTransportTest {
    private final String before = System.getProperty(WebSocketTransport.FRAMING_PROPERTY);

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty(WebSocketTransport.FRAMING_PROPERTY);
        } else {
            System.setProperty(WebSocketTransport.FRAMING_PROPERTY, before);
        }
    }

    @Test
    void rawIsTheDefaultAndUndertowGoesBack() {
        System.clearProperty(WebSocketTransport.FRAMING_PROPERTY);
        assertTrue(WebSocketTransport.rawFraming());
        System.setProperty(WebSocketTransport.FRAMING_PROPERTY, " Undertow ");
        assertFalse(WebSocketTransport.rawFraming());
        System.setProperty(WebSocketTransport.FRAMING_PROPERTY, "raw");
        assertTrue(WebSocketTransport.rawFraming());
    }

    @Test
    void anUnknownValueIsRefusedByName() {
        System.setProperty(WebSocketTransport.FRAMING_PROPERTY, "netty");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, WebSocketTransport::rawFraming);
        assertEquals("swaggersocket.websocket.framing: expected raw or undertow but was netty", e.getMessage());
    }

    @Test
    void theAcceptKeyIsTheRfcExample() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ServerUpgrade.acceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
    }
}
