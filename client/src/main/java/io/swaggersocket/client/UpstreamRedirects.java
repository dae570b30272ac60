package io.swaggersocket.client;

import java.net.URI;
import java.util.Locale;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

/**
 * Turns the upstream's own URLs in {@code Location} and {@code Content-Location} into paths of what
 * the agent exposes, as nginx's {@code proxy_redirect default} does: with the upstream
 * {@code http://127.0.0.1:8080/api}, {@code http://127.0.0.1:8080/api/items/?limit=5} becomes
 * {@code /items/?limit=5}, and so does the path-absolute {@code /api/items/?limit=5} (the upstream
 * knows its base path, the caller does not). The server's ingress then puts its own prefix in front.
 * Anything else is left as it is: other hosts, relative references, and a result that would start
 * with {@code //} or {@code /\} (a browser reads both as another host). Immutable.
 */
final class UpstreamRedirects {
    private final String scheme;
    /** host[:port] in lower case, without the scheme's default port. */
    private final String authority;
    /** The base path without a trailing slash; empty for none. */
    private final String base;

    UpstreamRedirects(URI upstream, String base) {
        this.scheme = upstream.getScheme().toLowerCase(Locale.ROOT);
        this.authority = withoutDefaultPort(upstream.getRawAuthority(), scheme);
        this.base = base;
    }

    /** Rewrites the response's {@code Location} and {@code Content-Location} in place. */
    void apply(ClassicHttpResponse response) {
        if (!response.containsHeader("Location") && !response.containsHeader("Content-Location")) {
            return; // most responses: no header array copied
        }
        Header[] headers = response.getHeaders();
        Header[] rewritten = null;
        for (int i = 0; i < headers.length; i++) {
            String name = headers[i].getName();
            if (name.equalsIgnoreCase("Location") || name.equalsIgnoreCase("Content-Location")) {
                String value = headers[i].getValue();
                String now = rewrite(value);
                if (now != null && !now.equals(value)) {
                    if (rewritten == null) {
                        rewritten = headers.clone();
                    }
                    rewritten[i] = new BasicHeader(name, now);
                }
            }
        }
        if (rewritten != null) {
            response.setHeaders(rewritten);
        }
    }

    /** {@code location} as a path of what the agent exposes, when it points into the upstream; else as it is. */
    String rewrite(String location) {
        if (location == null || location.isEmpty()) {
            return location;
        }
        String rest;
        if (location.charAt(0) == '/') {
            if (base.isEmpty() || location.startsWith("//")) {
                return location; // already a path of what the agent exposes, or another host
            }
            rest = location;
        } else {
            int colon = location.indexOf("://");
            if (colon <= 0 || !location.substring(0, colon).equalsIgnoreCase(scheme)) {
                return location;
            }
            int start = colon + 3;
            int end = start;
            while (end < location.length() && "/?#".indexOf(location.charAt(end)) < 0) {
                end++;
            }
            if (!withoutDefaultPort(location.substring(start, end), scheme).equals(authority)) {
                return location; // another host (or user info): not ours to change
            }
            rest = location.substring(end);
        }
        if (!base.isEmpty()) {
            if (!rest.startsWith(base) || rest.length() > base.length() && "/?#".indexOf(rest.charAt(base.length())) < 0) {
                return location; // outside the base path: the agent does not expose it
            }
            rest = rest.substring(base.length());
        }
        String path = rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
        if (path.startsWith("//") || path.startsWith("/\\")) {
            return location; // as a path it would name another host
        }
        return path;
    }

    private static String withoutDefaultPort(String authority, String scheme) {
        String a = authority == null ? "" : authority.toLowerCase(Locale.ROOT);
        String defaultPort = scheme.equals("https") ? ":443" : ":80";
        return a.endsWith(defaultPort) ? a.substring(0, a.length() - defaultPort.length()) : a;
    }
}
