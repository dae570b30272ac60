package io.swaggersocket.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;

/** The tunnel URI with the agent's name as its last path segment ({@code /tunnel/NAME}). Stateless. */
final class TunnelPath {
    private TunnelPath() {
    }

    /**
     * {@code uri} with {@code /NAME} appended to its path, NAME being the metadata's textual
     * {@code name} percent-encoded as one segment (every byte but RFC 3986 unreserved ones, and '.'
     * too, so that no name makes a dot segment); the
     * URI as given for an agent without a name.
     */
    static URI withName(URI uri, JsonNode metadata) {
        JsonNode name = metadata == null ? null : metadata.path("name");
        if (name == null || !name.isTextual() || name.asText().isEmpty()) {
            return uri;
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "" : uri.getRawPath();
        String joined = (path.endsWith("/") ? path : path + "/") + encode(name.asText());
        try {
            // The raw form, so that the escapes are kept as made here rather than encoded again.
            return new URI(uri.getScheme() + "://" + uri.getRawAuthority() + joined
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("nameInPath: " + uri + " and the agent name make no URI", e);
        }
    }

    /** Percent-encodes every byte of {@code s} in UTF-8 except the unreserved characters. */
    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
