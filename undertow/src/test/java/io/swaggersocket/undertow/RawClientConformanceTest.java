package io.swaggersocket.undertow;

/** The conformance suite with our framing on the dialing side and Undertow's WebSocket server. */
class RawClientConformanceTest extends RawChannelConformanceTest {
    @Override
    boolean rawServer() {
        return false;
    }
}
