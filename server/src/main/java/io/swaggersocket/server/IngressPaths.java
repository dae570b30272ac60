package io.swaggersocket.server;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The ingress's reading of a raw request target: percent-decoding, the server's own {@code token}
 * query parameter, and the dot segments that are refused. Stateless.
 */
final class IngressPaths {
    private IngressPaths() {
    }

    /**
     * Why {@code rawPath} (percent-encoded, no query) may not go to an agent, or {@code null}.
     *
     * <p>A path with a dot segment is refused rather than resolved: the agent may forward it under
     * a base path to an upstream that resolves {@code ..} itself ({@code /api/../secret}), and no
     * resolution here can know how that upstream splits and decodes the path. So a segment is
     * refused when it is {@code .} or {@code ..} after decoding {@code %2e} and dropping a
     * {@code ;parameter} ({@code ..;x} is {@code ..} to Tomcat and Jetty), and when any piece of it
     * between encoded separators ({@code %2F}, {@code %5C}) or backslashes is one, for upstreams
     * that decode those before resolving. Other encoded slashes ({@code a%2Fb}) and empty segments
     * ({@code //}) are kept: they cannot climb above the agent's root.
     */
    static String dotSegment(String rawPath) {
        String pieces = rawPath.toLowerCase(Locale.ROOT).replace("%2f", "/").replace("%5c", "/").replace('\\', '/');
        for (String piece : pieces.split("/", -1)) {
            int parameter = piece.indexOf(';');
            String name = (parameter < 0 ? piece : piece.substring(0, parameter)).replace("%2e", ".");
            if (name.equals(".") || name.equals("..")) {
                return "expected a path without dot segments ('.', '..', '%2e' and the like) but was " + rawPath;
            }
        }
        return null;
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
