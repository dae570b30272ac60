package io.swaggersocket.mux;

import java.util.Locale;

/**
 * Stateless: the one rule, shared by the server's ingress and the agent's forwarding, for paths
 * that could climb above a base path. Both ends refuse such a path rather than resolve it: an
 * upstream behind the agent may resolve {@code ..} itself ({@code /api/../secret}), and no
 * resolution here can know how it splits and decodes a path.
 */
public final class DotSegments {
    private DotSegments() {
    }

    /**
     * True if a segment of {@code rawPath} (percent-encoded, without the query) is {@code .} or
     * {@code ..} after decoding {@code %2e} and dropping a {@code ;parameter} ({@code ..;x} is
     * {@code ..} to Tomcat and Jetty), or if any piece of a segment between encoded separators
     * ({@code %2F}, {@code %5C}) or backslashes is one, for upstreams that decode those before
     * resolving. Other encoded slashes ({@code a%2Fb}) and empty segments ({@code //}) do not count:
     * they cannot climb above a root.
     */
    public static boolean in(String rawPath) {
        String pieces = rawPath.toLowerCase(Locale.ROOT).replace("%2f", "/").replace("%5c", "/").replace('\\', '/');
        for (String piece : pieces.split("/", -1)) {
            int parameter = piece.indexOf(';');
            String name = (parameter < 0 ? piece : piece.substring(0, parameter)).replace("%2e", ".");
            if (name.equals(".") || name.equals("..")) {
                return true;
            }
        }
        return false;
    }
}
