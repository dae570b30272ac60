package io.swaggersocket.handshake;

import java.util.Objects;

/** The third handshake message, dialing side to accepting side: it echoes the connection id. Immutable. */
public record Ack(String connectionId) {

    public Ack {
        Objects.requireNonNull(connectionId, "connectionId");
    }

    /** The message as sent in a WebSocket text message. */
    public String toJson() {
        return Json.MAPPER.createObjectNode().put("type", "ack").put("connectionId", connectionId).toString();
    }

    /** Reads an ack; the exception's close code says whether it was malformed or of another type. */
    public static Ack parse(String text) throws HandshakeException {
        var node = Json.parse("ack", text);
        return new Ack(Json.textField("ack", node, "connectionId"));
    }
}
