package io.swaggersocket.server;

import java.util.Collection;

/**
 * The agent name a tunnel upgrade announces, in its path ({@code /tunnel/NAME}, one
 * percent-encoded segment) or its {@code Swaggersocket-Agent} header, before hello says it again.
 * Stateless.
 */
final class AnnouncedName {
    /** What {@link #fromPath} returns for a path under the tunnel path that is no single name segment. */
    static final String MALFORMED = new String("(malformed)"); // compared by identity: no name is this instance

    private AnnouncedName() {
    }

    /**
     * The name in {@code requestUri} (raw, as received) under {@code tunnelPath}: {@code null} for
     * the tunnel path itself, {@link #MALFORMED} for an empty, deeper or badly encoded segment.
     */
    static String fromPath(String requestUri, String tunnelPath) {
        int query = requestUri.indexOf('?');
        String raw = query < 0 ? requestUri : requestUri.substring(0, query);
        if (raw.equals(tunnelPath)) {
            return null;
        }
        String base = tunnelPath.endsWith("/") ? tunnelPath : tunnelPath + "/";
        if (!raw.startsWith(base)) {
            return MALFORMED;
        }
        String segment = raw.substring(base.length());
        if (segment.isEmpty() || segment.indexOf('/') >= 0) {
            return MALFORMED;
        }
        String name = IngressPaths.percentDecode(segment);
        return name == null || name.isEmpty() ? MALFORMED : name;
    }

    /**
     * The announced name: the header's, the path's, or {@code null} for none.
     *
     * @param headerValues the {@code Swaggersocket-Agent} values, or null
     * @param pathName {@link #fromPath}'s answer (not {@link #MALFORMED})
     * @throws IllegalArgumentException when the header is repeated or differs from the path's name
     */
    static String of(Collection<String> headerValues, String pathName) {
        if (headerValues != null && headerValues.size() > 1) {
            throw new IllegalArgumentException("expected one " + io.swaggersocket.handshake.Protocol.AGENT_NAME_HEADER
                    + " header but there are " + headerValues.size());
        }
        String header = headerValues == null || headerValues.isEmpty() ? null : headerValues.iterator().next();
        if (header != null && pathName != null && !header.equals(pathName)) {
            throw new IllegalArgumentException("the agent name in the path differs from the "
                    + io.swaggersocket.handshake.Protocol.AGENT_NAME_HEADER + " header");
        }
        return header != null ? header : pathName;
    }
}
