package io.swaggersocket.cli;

import io.swaggersocket.client.ForwardingHandler;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The agent's several {@code --forward}s: each base path ({@code /api}) has its own handler, and a
 * request goes to the one with the longest base path that is a whole-segment prefix of its path,
 * with that prefix taken off ({@code /api/pets} reaches the handler as {@code /pets}). A path no
 * base path matches gets 404 with a JSON error listing the base paths. Immutable after
 * construction and thread-safe when its handlers are.
 */
final class ForwardRouter implements HttpRequestHandler, AutoCloseable {
    /** The ingress's header naming the public prefix; the route's base path is added to it. */
    static final String FORWARDED_PREFIX = "X-Forwarded-Prefix";

    /** One {@code --forward}: a base path without a trailing slash ("" for the root), and where it goes. */
    record Forward(String prefix, URI upstream) {
        /**
         * Parses {@code PATH=URL} or a bare {@code URL} (base path {@code /}).
         *
         * @throws UsageException naming what is wrong
         */
        static Forward parse(String spec) throws UsageException {
            String prefix = "";
            String url = spec;
            if (spec.startsWith("/")) {
                int eq = spec.indexOf('=');
                if (eq < 0) {
                    throw new UsageException("--forward: expected PATH=URL or URL but was \"" + spec + "\"");
                }
                prefix = normalise(spec.substring(0, eq));
                url = spec.substring(eq + 1);
            }
            if (!url.regionMatches(true, 0, "http://", 0, 7) && !url.regionMatches(true, 0, "https://", 0, 8)) {
                throw new UsageException("--forward: expected an http:// or https:// URL such as http://127.0.0.1:8080"
                        + " (or PATH=URL) but was \"" + url + "\"" + (url.matches("[^/:]+:\\d+.*") ? "; did you mean http://" + url + "?" : ""));
            }
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new UsageException("--forward: not a valid URL: " + e.getMessage());
            }
            try {
                ForwardingHandler.builder(uri); // validates it, naming what is wrong
            } catch (IllegalArgumentException e) {
                throw new UsageException("--forward: " + e.getMessage().replaceFirst("^upstream: ", ""));
            }
            return new Forward(prefix, uri);
        }

        private static String normalise(String path) throws UsageException {
            if (path.contains("?") || path.contains("#") || path.contains("//") || path.contains("/../")
                    || path.endsWith("/..") || path.contains("/./") || path.endsWith("/.")) {
                throw new UsageException("--forward: expected a plain base path such as /api but was \"" + path + "\"");
            }
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            return path;
        }

        /** "/" for the root. */
        String shown() {
            return prefix.isEmpty() ? "/" : prefix;
        }
    }

    private record Route(Forward forward, HttpRequestHandler handler) {
    }

    private final List<Route> routes;

    /**
     * @param handlerFor makes the handler of each forward
     * @throws UsageException two forwards with the same base path
     */
    ForwardRouter(List<Forward> forwards, Function<Forward, HttpRequestHandler> handlerFor) throws UsageException {
        List<Route> list = new ArrayList<>();
        for (Forward f : forwards) {
            if (list.stream().anyMatch(r -> r.forward.prefix.equals(f.prefix))) {
                throw new UsageException("--forward: base path " + f.shown() + " is given twice");
            }
            list.add(new Route(f, handlerFor.apply(f)));
        }
        list.sort(Comparator.comparingInt((Route r) -> r.forward.prefix.length()).reversed());
        this.routes = List.copyOf(list);
    }

    @Override
    public void handle(ClassicHttpRequest request, ClassicHttpResponse response, HttpContext context)
            throws HttpException, IOException {
        String target = request.getPath();
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        for (Route route : routes) {
            String prefix = route.forward.prefix;
            if (path.equals(prefix) || path.startsWith(prefix + "/")) {
                String rest = path.substring(prefix.length());
                request.setPath((rest.isEmpty() ? "/" : rest) + (query < 0 ? "" : target.substring(query)));
                if (!prefix.isEmpty()) {
                    Header outer = request.getFirstHeader(FORWARDED_PREFIX);
                    request.setHeader(FORWARDED_PREFIX, (outer == null ? "" : outer.getValue().replaceAll("/+$", ""))
                            + prefix);
                }
                route.handler.handle(request, response, context);
                if (!prefix.isEmpty()) {
                    keepUnderPrefix(response, prefix);
                }
                return;
            }
        }
        response.setCode(HttpStatus.SC_NOT_FOUND);
        List<String> bases = routes.stream().map(r -> "\"" + r.forward.shown() + "\"").toList();
        response.setEntity(new StringEntity("{\"error\":\"no --forward of this agent serves " + json(path)
                + "\",\"forwards\":[" + String.join(",", bases) + "]}", ContentType.APPLICATION_JSON));
    }

    /** A redirect to a path of the upstream ({@code /login}) stays under its base path ({@code /api/login}). */
    private static void keepUnderPrefix(ClassicHttpResponse response, String prefix) {
        Header location = response.getFirstHeader("Location");
        if (location != null && location.getValue().startsWith("/") && !location.getValue().startsWith("//")) {
            response.setHeader("Location", prefix + location.getValue());
        }
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Closes every handler that can be closed. */
    @Override
    public void close() {
        for (Route route : routes) {
            if (route.handler instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    // closing idle upstream connections: nothing the caller could do about a failure
                }
            }
        }
    }
}
