package io.swaggersocket.server;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Immutable and thread-safe (the maps and lists are unmodifiable copies): the HTTP request an
 * {@link Authenticator} judges: an agent's WebSocket upgrade, or an ingress or admin call on the
 * same port ({@link #path()} tells which). {@link #headers()} looks names up case-insensitively.
 *
 * <p>{@link #toString()} lists header names only, never their values, so that logging a request
 * cannot leak a token.
 *
 * @param path the request path, decoded, without the query (for example {@code /tunnel},
 *        {@code /agents/edge-7/status} or {@code /metrics})
 * @param headers the request headers, name to values in arrival order; lookups ignore case
 * @param query the query parameters, decoded, name to values in arrival order
 * @param remoteAddress the peer's address as the socket reports it
 * @param method the request method, such as {@code GET}
 * @param rawTarget the request target exactly as sent: the path, still percent-encoded, and the
 *        query after a {@code ?} when there is one (what a request signature covers)
 * @param clientCertificates the TLS client certificate chain, leaf first, when the listener asks
 *        for client certificates and the client sent one that the listener's trust store
 *        verified; empty otherwise
 */
public record UpgradeRequest(String path, Map<String, List<String>> headers, Map<String, List<String>> query,
        InetSocketAddress remoteAddress, String method, String rawTarget, List<X509Certificate> clientCertificates) {

    /** Copies the maps and the list; {@code headers} becomes case-insensitive. */
    public UpgradeRequest {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(remoteAddress, "remoteAddress");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(rawTarget, "rawTarget");
        clientCertificates = List.copyOf(clientCertificates);
        TreeMap<String, List<String>> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        Objects.requireNonNull(headers, "headers").forEach((name, values) ->
                h.merge(name, List.copyOf(values), (a, b) -> concat(a, b)));
        headers = Collections.unmodifiableMap(h);
        LinkedHashMap<String, List<String>> q = new LinkedHashMap<>();
        Objects.requireNonNull(query, "query").forEach((name, values) -> q.put(name, List.copyOf(values)));
        query = Collections.unmodifiableMap(q);
    }

    /** A GET of {@code path} (as its raw target too) with no client certificate. */
    public UpgradeRequest(String path, Map<String, List<String>> headers, Map<String, List<String>> query,
            InetSocketAddress remoteAddress) {
        this(path, headers, query, remoteAddress, "GET", path, List.of());
    }

    /** The first value of header {@code name}, matched ignoring case. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Every value of header {@code name}, matched ignoring case; empty when absent. */
    public List<String> headerValues(String name) {
        return headers.getOrDefault(name, List.of());
    }

    /** The first value of query parameter {@code name} (case-sensitive). */
    public Optional<String> queryParameter(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    @Override
    public String toString() {
        return "UpgradeRequest[" + method + " " + path + ", headers=" + headers.keySet() + ", query=" + query.keySet()
                + ", remoteAddress=" + remoteAddress + (clientCertificates.isEmpty() ? "" : ", client certificate "
                + clientCertificates.get(0).getSubjectX500Principal().getName()) + "]";
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
