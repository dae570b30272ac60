package io.swaggersocket.handshake;

import java.util.List;
import java.util.Objects;

/**
 * The second handshake message, accepting side to dialing side: the connection id it assigned,
 * the features both sides use, and the negotiated settings. Immutable.
 */
public record Welcome(int version, String connectionId, List<String> features, Settings settings) {

    public Welcome {
        Objects.requireNonNull(connectionId, "connectionId");
        features = List.copyOf(features);
        Objects.requireNonNull(settings, "settings");
    }

    /** The message as sent in a WebSocket text message. */
    public String toJson() {
        var node = Json.MAPPER.createObjectNode()
                .put("type", "welcome").put("version", version).put("connectionId", connectionId);
        features.forEach(node.putArray("features")::add);
        node.set("settings", settings.toJson());
        return node.toString();
    }

    /** Reads a welcome; the exception's close code says whether it was malformed or of another type. */
    public static Welcome parse(String text) throws HandshakeException {
        var node = Json.parse("welcome", text);
        return new Welcome(
                Json.intField("welcome", node, "version"),
                Json.textField("welcome", node, "connectionId"),
                Json.stringList("welcome", node, "features"),
                Settings.fromJson("welcome", node.get("settings")));
    }
}
