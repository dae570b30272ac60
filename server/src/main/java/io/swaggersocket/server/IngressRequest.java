package io.swaggersocket.server;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.StringJoiner;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;

/**
 * The request an ingress call sends to its agent, and the header rules it follows: the target
 * ({@code /agents/NAME/rest} to {@code /rest} with the query), the client's headers less the
 * hop-by-hop ones and the server's own credentials, and {@code X-Forwarded-*}. Stateless.
 */
final class IngressRequest {
    /** Headers about one HTTP/1.1 hop (RFC 9110 7.6.1) and the body framing, which each hop states afresh. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
            "content-length", "expect");
    /** {@link #HOP_BY_HOP} as an array, for a case-insensitive match that allocates nothing. */
    private static final String[] HOP_BY_HOP_NAMES = HOP_BY_HOP.toArray(new String[0]);
    private static final String X_FORWARDED_FOR = "X-Forwarded-For";
    private static final String X_FORWARDED_PROTO = "X-Forwarded-Proto";
    private static final String X_FORWARDED_HOST = "X-Forwarded-Host";
    private static final String SIGNATURE_DATE =
            io.swaggersocket.auth.RequestSigner.DATE_HEADER.toLowerCase(Locale.ROOT);
    private static final String SIGNATURE_CONTENT =
            io.swaggersocket.auth.RequestSigner.CONTENT_SHA256_HEADER.toLowerCase(Locale.ROOT);

    private IngressRequest() {
    }

    /** Where a call goes: the agent's name and the path with the query to send it. */
    record Target(String name, String pathAndQuery) {

        /**
         * Parses the raw request target, so that the agent gets the path exactly as the client
         * encoded it; {@code null} when there is no agent name. With {@code dropToken} the
         * {@code token} query parameter, the server's own credential, is left out.
         */
        static Target of(HttpServerExchange exchange, boolean dropToken) {
            String uri = HttpRoutes.rawPath(exchange);
            if (!uri.startsWith(IngressHandler.PREFIX + "/")) {
                return null;
            }
            int nameStart = IngressHandler.PREFIX.length() + 1;
            int nameEnd = uri.indexOf('/', nameStart);
            String rawName = nameEnd < 0 ? uri.substring(nameStart) : uri.substring(nameStart, nameEnd);
            String name = rawName.isEmpty() ? null : IngressPaths.percentDecode(rawName);
            if (name == null) {
                return null;
            }
            String path = nameEnd < 0 ? "/" : uri.substring(nameEnd);
            String query = exchange.getQueryString();
            if (dropToken && query != null && !query.isEmpty()) {
                query = IngressPaths.withoutToken(query);
            }
            return new Target(name, query == null || query.isEmpty() ? path : path + "?" + query);
        }

        /** Why the path may not go to an agent ({@link IngressPaths#dotSegment}), or {@code null}. */
        String refusal() {
            int query = pathAndQuery.indexOf('?');
            return IngressPaths.dotSegment(query < 0 ? pathAndQuery : pathAndQuery.substring(0, query));
        }
    }

    /**
     * The request for the agent: method, path and query as sent, headers without the hop-by-hop
     * ones, and X-Forwarded-For / -Proto / -Host / -Prefix ({@link IngressPrefix}). On an
     * authenticated ingress, a Bearer {@code Authorization} is the server's credential and is not passed on.
     */
    static BasicClassicHttpRequest request(HttpServerExchange exchange, Target target,
            boolean dropCredentials) {
        BasicClassicHttpRequest request = new BasicClassicHttpRequest(exchange.getRequestMethod().toString(), "/");
        request.setPath(target.pathAndQuery()); // as is: the constructor would read "//x" as an authority
        HeaderMap headers = exchange.getRequestHeaders();
        Set<String> connectionTokens = new HashSet<>();
        HeaderValues connection = headers.get(Headers.CONNECTION);
        if (connection != null) {
            connection.forEach(v -> connectionTokens.addAll(tokens(v)));
        }
        StringJoiner forwardedFor = new StringJoiner(", ");
        for (HeaderValues values : headers) {
            String name = values.getHeaderName().toString();
            String lower = name.toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(lower) || connectionTokens.contains(lower)
                    || lower.equals("x-forwarded-proto") || lower.equals("x-forwarded-host")
                    || ClusterRouting.isClusterHeader(lower)) {
                continue;
            }
            for (String value : values) {
                if (lower.equals("x-forwarded-for")) {
                    forwardedFor.add(value);
                } else if (!(dropCredentials && isCredential(lower, value))) {
                    request.addHeader(name, value);
                }
            }
        }
        InetSocketAddress peer = exchange.getSourceAddress();
        if (peer != null && peer.getAddress() != null) {
            forwardedFor.add(peer.getAddress().getHostAddress());
        }
        if (forwardedFor.length() > 0) {
            request.setHeader(X_FORWARDED_FOR, forwardedFor.toString());
        }
        request.setHeader(X_FORWARDED_PROTO, exchange.getRequestScheme());
        String host = headers.getFirst(Headers.HOST);
        request.setHeader(X_FORWARDED_HOST, host != null ? host : exchange.getHostAndPort());
        IngressPrefix.replace(request, exchange);
        return request;
    }

    /** The server's own credentials: a Bearer or signed Authorization, and the signature's headers. */
    private static boolean isCredential(String lowerName, String value) {
        if (lowerName.equals("authorization")) {
            return value.regionMatches(true, 0, "Bearer ", 0, 7)
                    || value.startsWith(io.swaggersocket.auth.RequestSigner.ALGORITHM + " ");
        }
        return lowerName.equals(SIGNATURE_DATE) || lowerName.equals(SIGNATURE_CONTENT);
    }

    /** True if {@code name} is one of {@link #HOP_BY_HOP}, in any case. */
    static boolean isHopByHop(String name) {
        for (String h : HOP_BY_HOP_NAMES) {
            if (h.length() == name.length() && h.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    static Set<String> tokens(String list) {
        Set<String> out = new HashSet<>();
        for (String t : list.split(",")) {
            if (!t.isBlank()) {
                out.add(t.trim().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }
}
