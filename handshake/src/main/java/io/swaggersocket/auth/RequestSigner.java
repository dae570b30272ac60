package io.swaggersocket.auth;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.net.URIAuthority;

/**
 * Immutable and thread-safe: signs HTTP requests with an access key id and a secret key, as
 * {@code docs/SIGNING.md} specifies. A {@link SignatureVerifier} holding the same secret accepts
 * the result.
 *
 * <pre>{@code
 * RequestSigner signer = RequestSigner.of("agent-7", secret);
 * HttpRequest signed = signer.sign(HttpRequest.newBuilder(uri).POST(BodyPublishers.ofByteArray(body)).build(), body);
 * }</pre>
 *
 * <p>A signature covers the method, the path and query as sent, the body's SHA-256, the time, and
 * the headers {@code Host} (when the request has one), {@code X-Sws-Date}, {@code
 * X-Sws-Content-Sha256} and any named with {@link #withSignedHeaders}. It is valid once, within the
 * verifier's window around the time it was made: sign every request anew.
 *
 * <p>The secret never appears in a message or in {@link #toString()}, which names the key id only.
 */
public final class RequestSigner {
    /** The scheme of the {@code Authorization} header, and the first line of the string signed. */
    public static final String ALGORITHM = "SWS1-HMAC-SHA256";
    /** The header with the signing time, UTC in ISO 8601 basic format, such as {@code 20261207T023604Z}. */
    public static final String DATE_HEADER = "X-Sws-Date";
    /** The header with the lowercase hex SHA-256 of the body (of no bytes when there is none). */
    public static final String CONTENT_SHA256_HEADER = "X-Sws-Content-Sha256";
    /** The header that carries the signature. */
    public static final String AUTHORIZATION_HEADER = "Authorization";
    /** The SHA-256 of no bytes: the content hash of a request without a body. */
    public static final String EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static final Set<String> REPLACED = Set.of(Canonical.AUTHORIZATION, Canonical.DATE,
            Canonical.CONTENT_SHA256);

    private final String accessKeyId;
    private final byte[] secret;
    private final Clock clock;
    private final SortedSet<String> extraHeaders;

    private RequestSigner(String accessKeyId, byte[] secret, Clock clock, SortedSet<String> extraHeaders) {
        this.accessKeyId = accessKeyId;
        this.secret = secret;
        this.clock = clock;
        this.extraHeaders = extraHeaders;
    }

    /**
     * A signer for {@code accessKeyId} with {@code secretKey}, the system UTC clock and no extra
     * signed headers.
     *
     * @throws IllegalArgumentException when the key id is empty, longer than 128 characters or holds
     *         anything but visible ASCII other than {@code ,}, or the secret is empty or holds whitespace or a control
     *         character (the message names the fault, never the secret)
     */
    public static RequestSigner of(String accessKeyId, String secretKey) {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretKey, "secretKey");
        if (!Canonical.isKeyId(accessKeyId)) {
            throw new IllegalArgumentException("accessKeyId: expected 1 to " + Canonical.MAX_KEY_ID_LENGTH
                    + " visible ASCII characters other than ',' but " + (accessKeyId.isEmpty() ? "it is empty"
                    : accessKeyId.length() > Canonical.MAX_KEY_ID_LENGTH ? "it has " + accessKeyId.length()
                    : "it has others"));
        }
        if (secretKey.isEmpty()) {
            throw new IllegalArgumentException("secretKey: expected a non-empty secret but it is empty");
        }
        if (secretKey.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("secretKey: expected no whitespace or control characters but it has some");
        }
        return new RequestSigner(accessKeyId, secretKey.getBytes(StandardCharsets.UTF_8), Clock.systemUTC(),
                Collections.emptySortedSet());
    }

    /** This signer with the signing time taken from {@code clock}. */
    public RequestSigner withClock(Clock clock) {
        return new RequestSigner(accessKeyId, secret, Objects.requireNonNull(clock, "clock"), extraHeaders);
    }

    /**
     * This signer signing the headers {@code names} (any case) besides {@code Host}, {@code
     * X-Sws-Date} and {@code X-Sws-Content-Sha256}, in place of any extra headers set before. A
     * named header that a request lacks is left out of that request's signature.
     *
     * @throws IllegalArgumentException when a name is not an HTTP token or is {@code Authorization}
     */
    public RequestSigner withSignedHeaders(Collection<String> names) {
        TreeSet<String> set = new TreeSet<>();
        for (String name : Objects.requireNonNull(names, "names")) {
            Objects.requireNonNull(name, "signed header name");
            if (!Canonical.isToken(name)) {
                throw new IllegalArgumentException("signed header: expected a header name (an HTTP token) but was \""
                        + name + "\"");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals(Canonical.AUTHORIZATION)) {
                throw new IllegalArgumentException("signed header: Authorization carries the signature and cannot be signed");
            }
            if (!lower.equals(Canonical.HOST) && !lower.equals(Canonical.DATE) && !lower.equals(Canonical.CONTENT_SHA256)) {
                set.add(lower);
            }
        }
        return new RequestSigner(accessKeyId, secret, clock, Collections.unmodifiableSortedSet(set));
    }

    /**
     * The headers to add to a request so that it is signed, in this order: {@code Authorization},
     * {@code X-Sws-Date}, {@code X-Sws-Content-Sha256}. They replace any of these the request has.
     *
     * @param method the request method (signed in uppercase)
     * @param rawTarget the path as sent, still percent-encoded, and {@code ?query} if any: the
     *        request line's origin-form target, such as {@code /agents/edge-7/pets?limit=10}
     * @param headers the request's headers, names in any case; {@code Host} must be there, as it
     *        will be sent, for the host to be signed. Authorization, X-Sws-Date and
     *        X-Sws-Content-Sha256 in it are ignored.
     * @param body the body as sent, or {@code null} for none
     * @throws IllegalArgumentException when the method is not a token, or the target does not start
     *         with {@code /}, has a fragment or a {@code %} not followed by two hex digits
     */
    public Map<String, String> sign(String method, String rawTarget, Map<String, List<String>> headers, byte[] body) {
        return signDigest(method, rawTarget, headers, sha256Hex(body == null ? new byte[0] : body));
    }

    /**
     * {@link #sign(String, String, Map, byte[])} for a body given by its SHA-256, for a body that
     * is streamed rather than held.
     *
     * @param bodySha256Hex the body's SHA-256 as 64 hex digits (either case)
     */
    public Map<String, String> signDigest(String method, String rawTarget, Map<String, List<String>> headers,
            String bodySha256Hex) {
        return signing(method, rawTarget, headers, bodySha256Hex).headers();
    }

    /** The headers to add and the string signed, which tests and debugging compare with docs/SIGNING.md. */
    record Signing(Map<String, String> headers, String canonicalString) {
    }

    Signing signing(String method, String rawTarget, Map<String, List<String>> headers, String bodySha256Hex) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(rawTarget, "rawTarget");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(bodySha256Hex, "bodySha256Hex");
        if (!Canonical.isToken(method)) {
            throw new IllegalArgumentException("method: expected an HTTP token but was \"" + method + "\"");
        }
        String contentHash = bodySha256Hex.toLowerCase(Locale.ROOT);
        if (!Canonical.isSha256Hex(contentHash)) {
            throw new IllegalArgumentException("bodySha256Hex: expected 64 hex digits but has " + bodySha256Hex.length()
                    + " characters" + (bodySha256Hex.length() == 64 ? " with some not hex" : ""));
        }
        Map<String, List<String>> byName = new TreeMap<>();
        headers.forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!REPLACED.contains(lower) && (lower.equals(Canonical.HOST) || extraHeaders.contains(lower))
                    && values != null && !values.isEmpty()) {
                byName.computeIfAbsent(lower, k -> new ArrayList<>()).addAll(values);
            }
        });
        String date = Canonical.formatDate(clock.instant());
        SortedMap<String, String> signed = new TreeMap<>();
        byName.forEach((name, values) -> signed.put(name, Canonical.headerValue(values)));
        signed.put(Canonical.DATE, date);
        signed.put(Canonical.CONTENT_SHA256, contentHash);
        String canonical = Canonical.string(date, method, rawTarget, signed, contentHash);
        String signature = Canonical.hex(Canonical.hmacSha256(secret, canonical));
        Map<String, String> out = new LinkedHashMap<>();
        out.put(AUTHORIZATION_HEADER, ALGORITHM + " Credential=" + accessKeyId + ", SignedHeaders="
                + String.join(";", signed.keySet()) + ", Signature=" + signature);
        out.put(DATE_HEADER, date);
        out.put(CONTENT_SHA256_HEADER, contentHash);
        return new Signing(Collections.unmodifiableMap(out), canonical);
    }

    /**
     * A copy of {@code request} with the signature headers (any it had replaced). The JDK client
     * sets {@code Host} itself, so the host signed is the one it sends: the URI's host, with the
     * port unless it is the scheme's default.
     *
     * @param body the bytes the request's body publisher sends, or {@code null} for none
     * @throws IllegalArgumentException when the publisher's known length differs from {@code body}'s
     */
    public HttpRequest sign(HttpRequest request, byte[] body) {
        Objects.requireNonNull(request, "request");
        byte[] bytes = body == null ? new byte[0] : body;
        long length = request.bodyPublisher().map(HttpRequest.BodyPublisher::contentLength).orElse(0L);
        if (length >= 0 && length != bytes.length) {
            throw new IllegalArgumentException("body: expected the " + length
                    + " bytes the request's body publisher sends but was " + bytes.length);
        }
        URI uri = request.uri();
        Map<String, List<String>> headers = new LinkedHashMap<>(request.headers().map());
        headers.put("Host", List.of(host(uri.getScheme(), uri.getHost(), uri.getPort())));
        Map<String, String> added = sign(request.method(), rawTarget(uri.getRawPath(), uri.getRawQuery()), headers, bytes);
        HttpRequest.Builder copy = HttpRequest.newBuilder(request,
                (name, value) -> !REPLACED.contains(name.toLowerCase(Locale.ROOT)));
        added.forEach(copy::header);
        return copy.build();
    }

    /**
     * Signs {@code request} in place: adds the signature headers (replacing any it had) and, when
     * it has no {@code Host} header but an authority, a {@code Host} header from it (the port left
     * out when it is the scheme's default), so that the host sent is the host signed. Likewise, when
     * {@code Content-Type} is to be signed and only the entity has one, it becomes a header.
     *
     * @throws IllegalArgumentException when the entity is not repeatable: it is read once here to
     *         hash it, and must be sent afterwards
     * @throws IOException when reading the entity fails
     */
    public void sign(ClassicHttpRequest request) throws IOException {
        Objects.requireNonNull(request, "request");
        HttpEntity entity = request.getEntity();
        String contentHash;
        if (entity == null) {
            contentHash = EMPTY_SHA256;
        } else {
            if (!entity.isRepeatable()) {
                throw new IllegalArgumentException("entity: expected a repeatable entity (it is read once to hash it)"
                        + " but it is not");
            }
            MessageDigest digest = Canonical.sha256();
            try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
                entity.writeTo(out);
            }
            contentHash = Canonical.hex(digest.digest());
        }
        if (entity != null && entity.getContentType() != null && request.getFirstHeader("Content-Type") == null
                && extraHeaders.contains("content-type")) {
            request.setHeader("Content-Type", entity.getContentType()); // what the client would add, unsigned
        }
        URIAuthority authority = request.getAuthority();
        if (request.getFirstHeader("Host") == null && authority != null) {
            String name = authority.getHostName();
            if (name.indexOf(':') >= 0 && !name.startsWith("[")) {
                name = "[" + name + "]"; // an IPv6 literal
            }
            request.setHeader("Host", host(request.getScheme(), name, authority.getPort()));
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Header header : request.getHeaders()) {
            headers.computeIfAbsent(header.getName(), k -> new ArrayList<>()).add(header.getValue());
        }
        String path = request.getPath() == null ? "/" : request.getPath();
        Map<String, String> added = signDigest(request.getMethod(), path, headers, contentHash);
        added.forEach(request::setHeader);
    }

    /** The lowercase hex SHA-256 of {@code bytes}: the {@code X-Sws-Content-Sha256} of a body. */
    public static String sha256Hex(byte[] bytes) {
        return Canonical.hex(Canonical.sha256().digest(Objects.requireNonNull(bytes, "bytes")));
    }

    /** The access key id this signer names in its signatures. */
    public String accessKeyId() {
        return accessKeyId;
    }

    /** The extra header names signed besides the mandatory ones, lowercase and sorted. */
    public Set<String> signedHeaders() {
        return extraHeaders;
    }

    /** The Host header an HTTP client sends for an authority: the port only when not the scheme's default. */
    static String host(String scheme, String hostName, int port) {
        boolean defaultPort = port < 0 || "http".equalsIgnoreCase(scheme) && port == 80
                || "https".equalsIgnoreCase(scheme) && port == 443;
        return defaultPort ? hostName : hostName + ":" + port;
    }

    /** The origin-form target of a URI's raw path and query: {@code /} for an empty path. */
    static String rawTarget(String rawPath, String rawQuery) {
        String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        return rawQuery == null ? path : path + "?" + rawQuery;
    }

    @Override
    public String toString() {
        return "RequestSigner[accessKeyId=" + accessKeyId
                + (extraHeaders.isEmpty() ? "" : ", signedHeaders=" + extraHeaders) + "]";
    }
}
