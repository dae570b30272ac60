package io.swaggersocket.handshake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.List;
import java.util.Objects;

/**
 * The first handshake message, dialing side to accepting side: protocol version, the features the
 * dialer supports, its metadata (any JSON value) and its proposed settings. Immutable.
 */
public record Hello(int version, List<String> features, JsonNode metadata, Settings settings) {

    public Hello {
        features = List.copyOf(features);
        metadata = metadata == null ? NullNode.getInstance() : metadata.deepCopy();
        Objects.requireNonNull(settings, "settings");
    }

    /** The dialer's metadata: a copy, so the message stays as it was built. */
    @Override
    public JsonNode metadata() {
        return metadata.deepCopy();
    }

    /** The message as sent in a WebSocket text message. */
    public String toJson() {
        var node = Json.MAPPER.createObjectNode().put("type", "hello").put("version", version);
        features.forEach(node.putArray("features")::add);
        node.set("metadata", metadata.deepCopy());
        node.set("settings", settings.toJson());
        return node.toString();
    }

    /** Reads a hello; the exception's close code says whether it was malformed or of another type. */
    public static Hello parse(String text) throws HandshakeException {
        var node = Json.parse("hello", text);
        JsonNode metadata = node.get("metadata");
        if (metadata != null) {
            Json.requireFinite("hello", "metadata", metadata);
        }
        return new Hello(
                Json.intField("hello", node, "version"),
                Json.stringList("hello", node, "features"),
                metadata == null ? NullNode.getInstance() : metadata,
                Settings.fromJson("hello", node.get("settings")));
    }
}
