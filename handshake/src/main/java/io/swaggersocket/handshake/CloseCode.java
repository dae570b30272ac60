package io.swaggersocket.handshake;

/**
 * The WebSocket close codes this protocol sends, and 1006 which a transport reports when the
 * socket was lost without a close frame. Codes 4000-4099 are this protocol's own.
 */
public enum CloseCode {
    /** Orderly close after a graceful shutdown. */
    NORMAL(1000),
    /** The endpoint is going away: server stop, {@code shutdownNow}, or an operator's kick. */
    GOING_AWAY(1001),
    /** A malformed or illegal frame after the handshake (details in the GOAWAY sent before). */
    PROTOCOL_ERROR(1002),
    /** A text message after the handshake, where only binary frames are allowed. */
    UNSUPPORTED_DATA(1003),
    /** Never sent: the transport was lost without a close frame. */
    ABNORMAL(1006),
    /** A WebSocket message larger than the negotiated limits allow. */
    MESSAGE_TOO_BIG(1009),
    /** The endpoint failed for reasons of its own. */
    INTERNAL_ERROR(1011),
    /** A handshake message that is not valid JSON or lacks a field. */
    HANDSHAKE_MALFORMED(4000),
    /** The peer speaks another protocol version. */
    HANDSHAKE_VERSION_MISMATCH(4001),
    /** The peer lacks a feature this side requires. */
    HANDSHAKE_FEATURE_MISMATCH(4002),
    /** The handshake did not finish within the handshake timeout. */
    HANDSHAKE_TIMEOUT(4003),
    /** A message that does not belong at this point of the handshake (wrong type, binary, or id). */
    HANDSHAKE_UNEXPECTED_MESSAGE(4004),
    /** No traffic from the peer within the heartbeat timeout. */
    HEARTBEAT_TIMEOUT(4005),
    /**
     * The accepting side refuses the hello's content (for example an agent name the dialer's
     * credentials may not register, or one held by another principal); the reason says why.
     * Retrying with the same hello and credentials gets the same answer.
     */
    HANDSHAKE_REFUSED(4006),
    /**
     * The credentials the connection was accepted with are no longer valid (revoked, or their
     * grants no longer cover it); a redial with them is refused.
     */
    ACCESS_REVOKED(4007);

    private final int code;

    CloseCode(int code) {
        this.code = code;
    }

    /** The number sent in the close frame. */
    public int code() {
        return code;
    }

    /** The constant for a number, or {@code null} for one this protocol does not define. */
    public static CloseCode of(int code) {
        for (CloseCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return null;
    }
}
