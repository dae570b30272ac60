package io.swaggersocket.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.StringJoiner;

/**
 * The ingress's reading of a raw request target: percent-decoding, the server's own {@code token}
 * query parameter, and the dot segments that are refused. Stateless.
 */
final class IngressPaths {
    private IngressPaths() {
    }

    /**
     * Why {@code rawPath} (percent-encoded, no query) may not go to an agent, or {@code null}: a
     * dot segment, refused rather than resolved ({@link io.swaggersocket.mux.DotSegments}).
     */
    static String dotSegment(String rawPath) {
        return io.swaggersocket.mux.DotSegments.in(rawPath)
                ? "expected a path without dot segments ('.', '..', '%2e' and the like) but was " + rawPath : null;
    }

    /** {@code query} without its {@code token} parameters (the server's own credential). */
    static String withoutToken(String query) {
        StringJoiner kept = new StringJoiner("&");
        for (String part : query.split("&", -1)) {
            int eq = part.indexOf('=');
            if (!"token".equals(percentDecode(eq < 0 ? part : part.substring(0, eq)))) {
                kept.add(part);
            }
        }
        return kept.toString();
    }

    /** Decodes %XX escapes as UTF-8 ('+' stays '+', as in a path); {@code null} when malformed. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    return null;
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(b, 0, b.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
