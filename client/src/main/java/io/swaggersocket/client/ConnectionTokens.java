package io.swaggersocket.client;

import java.util.Set;
import java.util.TreeSet;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.HttpVersion;
import org.apache.hc.core5.http.ProtocolVersion;

/**
 * Immutable: what a message's {@code Connection} fields say, read in one pass without regular
 * expressions or sets for the usual values ({@code keep-alive}, {@code close}): whether the
 * connection persists, and which fields are hop-by-hop beyond the fixed list.
 */
final class ConnectionTokens {
    private static final ConnectionTokens NONE = new ConnectionTokens(false, false, ForwardingHandler.NOT_FORWARDED);

    private final boolean close;
    private final boolean keepAlive;
    private final Set<String> dropped;

    private ConnectionTokens(boolean close, boolean keepAlive, Set<String> dropped) {
        this.close = close;
        this.keepAlive = keepAlive;
        this.dropped = dropped;
    }

    static ConnectionTokens of(HttpMessage message) {
        if (!message.containsHeader(HttpHeaders.CONNECTION)) {
            return NONE;
        }
        boolean close = false;
        boolean keepAlive = false;
        Set<String> dropped = ForwardingHandler.NOT_FORWARDED;
        for (Header h : message.getHeaders(HttpHeaders.CONNECTION)) {
            String value = h.getValue();
            if (value == null) {
                continue;
            }
            for (int start = 0; start <= value.length(); ) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                String token = value.substring(start, end).trim();
                start = end + 1;
                if (token.isEmpty()) {
                    continue;
                }
                if (token.equalsIgnoreCase("close")) {
                    close = true;
                } else if (token.equalsIgnoreCase("keep-alive")) {
                    keepAlive = true; // also a field name in the fixed list
                } else if (!dropped.contains(token)) {
                    if (dropped == ForwardingHandler.NOT_FORWARDED) {
                        dropped = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
                        dropped.addAll(ForwardingHandler.NOT_FORWARDED);
                    }
                    dropped.add(token);
                }
            }
        }
        return new ConnectionTokens(close, keepAlive, dropped);
    }

    /** The fields not to pass on (case-insensitive): the fixed hop-by-hop list and those named. */
    Set<String> dropped() {
        return dropped;
    }

    /** Whether the connection stays open after this message: HTTP/1.1 unless "close", 1.0 only with "keep-alive". */
    boolean keepAlive(ProtocolVersion version) {
        ProtocolVersion v = version != null ? version : HttpVersion.HTTP_1_1;
        return !close && (v.greaterEquals(HttpVersion.HTTP_1_1) || keepAlive);
    }
}
