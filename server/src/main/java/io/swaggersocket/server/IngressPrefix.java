package io.swaggersocket.server;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.util.Locale;
import org.apache.hc.core5.http.HttpRequest;

/**
 * The path prefix under which the ingress exposes an agent, {@code /agents/NAME}: sent to the
 * agent as {@code X-Forwarded-Prefix}, and put back into the {@code Location} and
 * {@code Content-Location} the agent answers with, so that a redirect of the service behind it
 * (which knows only its own paths) lands under the same agent again, as nginx's
 * {@code proxy_redirect default} does. Stateless.
 *
 * <p>What is rewritten ({@link #rewrite}): a path-absolute reference ({@code /items/?limit=5}
 * becomes {@code /agents/NAME/items/?limit=5}), and an absolute {@code http} or {@code https} URL
 * whose authority is the one the client called (its {@code Host}, which the agent got as
 * {@code X-Forwarded-Host}). Left as they are: relative references ({@code items/}, {@code ../x}),
 * which the client resolves against the prefixed URL it called anyway; URLs of other hosts;
 * protocol-relative ones ({@code //evil.example/x}, another host, never a path under the agent);
 * and references already under the prefix (an upstream that honoured {@code X-Forwarded-Prefix}).
 */
final class IngressPrefix {
    /** The header naming the prefix to the agent; the client's own is never passed on. */
    static final String HEADER = "X-Forwarded-Prefix";

    private IngressPrefix() {
    }

    /**
     * {@code /agents/NAME}, NAME as the client encoded it in the request path; {@code null} when
     * the path has no agent name.
     */
    static String of(HttpServerExchange exchange) {
        return of(HttpRoutes.rawPath(exchange));
    }

    static String of(String rawPath) {
        int nameStart = IngressHandler.PREFIX.length() + 1;
        if (!rawPath.startsWith(IngressHandler.PREFIX + "/") || rawPath.length() == nameStart) {
            return null;
        }
        int nameEnd = rawPath.indexOf('/', nameStart);
        int query = rawPath.indexOf('?', nameStart);
        int end = nameEnd < 0 ? query : query < 0 ? nameEnd : Math.min(nameEnd, query);
        String prefix = end < 0 ? rawPath : rawPath.substring(0, end);
        return prefix.length() == nameStart ? null : prefix;
    }

    /** Sets {@link #HEADER} on the agent's request, in place of any the client sent: only the ingress knows it. */
    static void replace(HttpRequest request, HttpServerExchange exchange) {
        request.removeHeaders(HEADER);
        String prefix = of(exchange);
        if (prefix != null) {
            request.setHeader(HEADER, prefix);
        }
    }

    /** True for the response headers {@link #rewrite} applies to. */
    static boolean rewrites(String headerName) {
        return headerName.equalsIgnoreCase("Location") || headerName.equalsIgnoreCase("Content-Location");
    }

    /** The authority the client called: its {@code Host}, as {@code X-Forwarded-Host} carried it. */
    static String host(HttpServerExchange exchange) {
        String host = exchange.getRequestHeaders().getFirst(Headers.HOST);
        return host != null ? host : exchange.getHostAndPort();
    }

    /**
     * {@code location} with {@code prefix} put in front of its path when it points into the agent
     * (see the class description), else {@code location} itself.
     *
     * @param prefix {@code /agents/NAME}, from {@link #of}
     * @param host the authority the client called ({@link #host})
     * @param scheme the scheme the client called with, for its default port
     */
    static String rewrite(String location, String prefix, String host, String scheme) {
        if (location == null || location.isEmpty() || prefix == null) {
            return location;
        }
        if (location.charAt(0) == '/') {
            if (location.length() > 1 && location.charAt(1) == '/') {
                return location; // protocol-relative: another host, whatever it looks like
            }
            return underPrefix(location, prefix) ? location : prefix + location;
        }
        int colon = location.indexOf("://");
        if (colon <= 0) {
            return location; // relative ("items/", "../x", "?q"), or a scheme without authority
        }
        String locationScheme = location.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!locationScheme.equals("http") && !locationScheme.equals("https")) {
            return location;
        }
        int authorityStart = colon + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < location.length() && "/?#".indexOf(location.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String authority = location.substring(authorityStart, authorityEnd);
        if (authority.isEmpty() || host == null || !sameAuthority(authority, locationScheme, host, scheme)) {
            return location;
        }
        String rest = location.substring(authorityEnd);
        if (underPrefix(rest, prefix)) {
            return location;
        }
        String path = rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
        return location.substring(0, authorityEnd) + prefix + path;
    }

    /** True if {@code path} (with its query or fragment) is {@code prefix} or below it. */
    private static boolean underPrefix(String path, String prefix) {
        return path.startsWith(prefix) && (path.length() == prefix.length()
                || "/?#".indexOf(path.charAt(prefix.length())) >= 0);
    }

    private static boolean sameAuthority(String authority, String authorityScheme, String host, String hostScheme) {
        if (authority.indexOf('@') >= 0) {
            return false; // user info: not the plain host the client called
        }
        return withoutDefaultPort(authority, authorityScheme).equals(withoutDefaultPort(host, hostScheme));
    }

    private static String withoutDefaultPort(String authority, String scheme) {
        String a = authority.toLowerCase(Locale.ROOT);
        String defaultPort = "https".equalsIgnoreCase(scheme) ? ":443" : ":80";
        return a.endsWith(defaultPort) ? a.substring(0, a.length() - defaultPort.length()) : a;
    }
}
