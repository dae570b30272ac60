package io.swaggersocket.undertow;

/** The conformance suite with our framing on the server and Undertow's WebSocket client dialing. */
class RawServerConformanceTest extends RawChannelConformanceTest {
    @Override
    boolean rawClient() {
        return false;
    }
}
