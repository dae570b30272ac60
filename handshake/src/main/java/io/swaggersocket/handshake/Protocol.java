package io.swaggersocket.handshake;

import java.util.List;

/** Constants of the protocol that both ends must agree on. */
public final class Protocol {
    /** The protocol version of hello and welcome; equal to the frame version byte. */
    public static final int VERSION = 1;
    /** The multiplexed framing of this specification; every peer must support it. */
    public static final String FEATURE_MUX = "mux";
    /**
     * HTTP upgrades over a stream (a {@code 101} turns the stream into a two-way byte stream);
     * used only when both ends list it.
     */
    public static final String FEATURE_UPGRADE = "upgrade";
    /**
     * {@code Expect: 100-continue} end to end: a responder answers {@code 100} when its handler
     * first reads the body, and the initiator waits for it before it sends the body; used only when
     * both ends list it.
     */
    public static final String FEATURE_CONTINUE = "continue";
    /** The features this implementation supports. */
    public static final List<String> FEATURES = List.of(FEATURE_MUX, FEATURE_UPGRADE, FEATURE_CONTINUE);
    /**
     * The header of the WebSocket upgrade request that names the dialing agent, so that the
     * accepting side (and a load balancer in front of it) can judge the name before the
     * handshake; hello's {@code metadata.name} must then be the same.
     */
    public static final String AGENT_NAME_HEADER = "Swaggersocket-Agent";

    private Protocol() {
    }
}
