package io.swaggersocket.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Thread-safe: checks request signatures made by a {@link RequestSigner} (or any signer written to
 * {@code docs/SIGNING.md}), and remembers the signatures it accepted within the window to refuse
 * replays.
 *
 * <pre>{@code
 * SignatureVerifier verifier = SignatureVerifier.builder().window(Duration.ofMinutes(5)).build();
 * Verdict verdict = verifier.verify(request.method(), request.rawTarget(), request::headerValues,
 *         keyId -> Optional.ofNullable(secrets.get(keyId)));
 * if (verdict instanceof Valid valid) { ... then check the body against valid.contentSha256Hex() ... }
 * }</pre>
 *
 * <p>Checks run in this order, and the first that fails gives the verdict: the request is parsed
 * ({@link Failure#MALFORMED}), its time is within the window of the verifier's clock ({@link
 * Failure#CLOCK_SKEW}), the key id is known ({@link Failure#UNKNOWN_KEY}), the signature matches,
 * compared in constant time ({@link Failure#BAD_SIGNATURE}), it was not accepted before ({@link
 * Failure#REPLAYED}), and there is room to remember it ({@link Failure#TOO_MANY_SIGNATURES}). Only
 * a {@link Valid} signature is remembered, until its time plus the window has passed; memory is
 * bounded by {@link Builder#maxRemembered} and expired signatures are dropped as verification goes,
 * with no thread of its own.
 *
 * <p>The body is not read here: a {@link Valid} verdict carries the hash the client signed, and
 * the server compares the body it streams with it.
 *
 * <p>Messages name the check that failed and what was expected; they never quote a secret, the
 * expected signature or the request target.
 */
public final class SignatureVerifier {
    private static final Duration MAX_WINDOW = Duration.ofDays(7);

    private final Duration window;
    private final Clock clock;
    private final ReplayMemory memory;
    private final int maxRemembered;

    private SignatureVerifier(Builder b) {
        this.window = b.window;
        this.clock = b.clock;
        this.maxRemembered = b.maxRemembered;
        this.memory = new ReplayMemory(b.maxRemembered);
    }

    /** A builder with a 5-minute window, 100,000 signatures remembered at most, and the system UTC clock. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether the request carries a signature of this scheme: its first {@code Authorization} value
     * starts with {@value RequestSigner#ALGORITHM} (ignoring case) followed by a space or nothing.
     * Such a request is for {@link #verify}, even when its header is malformed.
     */
    public static boolean isSigned(Function<String, List<String>> headerValues) {
        List<String> values = headerValues.apply(RequestSigner.AUTHORIZATION_HEADER);
        if (values == null || values.isEmpty()) {
            return false;
        }
        String v = values.get(0).strip();
        int n = RequestSigner.ALGORITHM.length();
        return v.regionMatches(true, 0, RequestSigner.ALGORITHM, 0, n) && (v.length() == n || v.charAt(n) == ' ');
    }

    /**
     * Judges one request.
     *
     * @param method the request method as received
     * @param rawTarget the request target as received: the path still percent-encoded, and {@code
     *        ?query} when there is one (origin form, never decoded or normalised)
     * @param headerValues a header's values by name, ignoring case, in arrival order; an empty list
     *        when the request lacks it
     * @param secretOf the secret of an access key id, empty when the id is unknown
     */
    public Verdict verify(String method, String rawTarget, Function<String, List<String>> headerValues,
            Function<String, Optional<String>> secretOf) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(rawTarget, "rawTarget");
        Objects.requireNonNull(headerValues, "headerValues");
        Objects.requireNonNull(secretOf, "secretOf");
        Instant now = clock.instant();

        Authorization auth;
        String date;
        Instant time;
        String contentHash;
        String canonical;
        try {
            auth = Authorization.parse(values(headerValues, RequestSigner.AUTHORIZATION_HEADER));
            date = single(headerValues, RequestSigner.DATE_HEADER);
            time = Canonical.parseDate(date);
            if (time == null) {
                throw new IllegalArgumentException(RequestSigner.DATE_HEADER
                        + ": expected a UTC time as yyyyMMdd'T'HHmmss'Z', such as 20261207T023604Z, but was \""
                        + printable(date) + "\"");
            }
            contentHash = single(headerValues, RequestSigner.CONTENT_SHA256_HEADER);
            if (!Canonical.isSha256Hex(contentHash)) {
                throw new IllegalArgumentException(RequestSigner.CONTENT_SHA256_HEADER
                        + ": expected 64 lowercase hex digits (the body's SHA-256) but was " + contentHash.length()
                        + " characters" + (contentHash.length() == 64 ? " with some not lowercase hex" : ""));
            }
            if (!values(headerValues, "Host").isEmpty() && !auth.signedHeaders().contains(Canonical.HOST)) {
                throw new IllegalArgumentException("SignedHeaders: expected host among the signed headers since the"
                        + " request has a Host header but it is not");
            }
            SortedMap<String, String> signed = new TreeMap<>();
            for (String name : auth.signedHeaders()) {
                List<String> values = values(headerValues, name);
                if (values.isEmpty()) {
                    throw new IllegalArgumentException("SignedHeaders: expected the signed header " + name
                            + " in the request but it is missing");
                }
                signed.put(name, Canonical.headerValue(values));
            }
            canonical = Canonical.string(date, method, rawTarget, signed, contentHash);
        } catch (IllegalArgumentException e) {
            return new Invalid(Failure.MALFORMED, e.getMessage());
        }

        Duration skew = Duration.between(now, time);
        if (skew.abs().compareTo(window) > 0) {
            return skewed(time, now);
        }

        Optional<String> secret = secretOf.apply(auth.keyId());
        if (secret == null || secret.isEmpty()) {
            return new Invalid(Failure.UNKNOWN_KEY, "Credential: unknown access key id " + auth.keyId());
        }
        byte[] expected = Canonical.hmacSha256(secret.get().getBytes(StandardCharsets.UTF_8), canonical);
        if (!MessageDigest.isEqual(expected, Canonical.unhex(auth.signature()))) {
            return new Invalid(Failure.BAD_SIGNATURE, "Signature: does not match the request as signed with the"
                    + " secret of access key id " + auth.keyId() + " (check the secret, the signed headers and the"
                    + " canonical string of docs/SIGNING.md)");
        }

        switch (memory.remember(auth.signature(), time.plus(window), now)) {
            case REMEMBERED:
                return new Valid(auth.keyId(), contentHash);
            case REPLAYED:
                return new Invalid(Failure.REPLAYED, "Signature: expected a signature not used before but this one"
                        + " was already accepted within the window; sign each request anew");
            case FULL:
                return new Invalid(Failure.TOO_MANY_SIGNATURES, "too many signatures: expected fewer than "
                        + maxRemembered + " accepted within the window but the limit is reached; try again later");
            case EXPIRED:
                return skewed(time, memory.horizon());
            default:
                throw new AssertionError();
        }
    }

    /** How many accepted signatures are remembered now (expired ones may linger until the next verify). */
    public int remembered() {
        return memory.size();
    }

    @Override
    public String toString() {
        return "SignatureVerifier[window=" + window + ", maxRemembered=" + maxRemembered + "]";
    }

    private Invalid skewed(Instant time, Instant now) {
        long seconds = Math.abs(Duration.between(now, time).getSeconds());
        return new Invalid(Failure.CLOCK_SKEW, RequestSigner.DATE_HEADER + ": expected a time within "
                + window.getSeconds() + " s of the server's time " + now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                + " but the request's time " + time + " is " + seconds + " s " + (time.isBefore(now) ? "behind" : "ahead"));
    }

    private static List<String> values(Function<String, List<String>> headerValues, String name) {
        List<String> values = headerValues.apply(name);
        return values == null ? List.of() : values;
    }

    private static String single(Function<String, List<String>> headerValues, String name) {
        List<String> values = values(headerValues, name);
        if (values.size() != 1) {
            throw new IllegalArgumentException(name + ": expected one header but there "
                    + (values.isEmpty() ? "is none" : "are " + values.size()));
        }
        return values.get(0).strip();
    }

    /** A short, printable rendering of a value that is not secret, for a message. */
    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < 40; i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 40 ? out + "..." : out.toString();
    }

    /** The parameters of an {@code Authorization: SWS1-HMAC-SHA256 ...} header, checked. */
    private record Authorization(String keyId, List<String> signedHeaders, String signature) {
        static Authorization parse(List<String> values) {
            if (values.size() != 1) {
                throw new IllegalArgumentException("Authorization: expected one " + RequestSigner.ALGORITHM
                        + " header but there " + (values.isEmpty() ? "is none" : "are " + values.size()));
            }
            String v = values.get(0).strip();
            int n = RequestSigner.ALGORITHM.length();
            if (!v.regionMatches(true, 0, RequestSigner.ALGORITHM, 0, n) || v.length() > n && v.charAt(n) != ' ') {
                throw new IllegalArgumentException("Authorization: expected the " + RequestSigner.ALGORITHM
                        + " scheme but the header has another");
            }
            String keyId = null;
            String signedHeaders = null;
            String signature = null;
            String rest = v.substring(n).strip();
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("Authorization: expected Credential, SignedHeaders and Signature"
                        + " after the scheme but there is nothing");
            }
            for (String param : rest.split(",", -1)) {
                String p = param.strip();
                int eq = p.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("Authorization: expected NAME=VALUE parameters separated by"
                            + " ', ' but a parameter has no '='");
                }
                String name = p.substring(0, eq);
                String value = p.substring(eq + 1);
                switch (name) {
                    case "Credential" -> keyId = once(name, keyId, value);
                    case "SignedHeaders" -> signedHeaders = once(name, signedHeaders, value);
                    case "Signature" -> signature = once(name, signature, value);
                    default -> throw new IllegalArgumentException("Authorization: expected only the parameters"
                            + " Credential, SignedHeaders and Signature but there is another");
                }
            }
            if (keyId == null || signedHeaders == null || signature == null) {
                throw new IllegalArgumentException("Authorization: expected Credential, SignedHeaders and Signature"
                        + " but " + (keyId == null ? "Credential" : signedHeaders == null ? "SignedHeaders" : "Signature")
                        + " is missing");
            }
            if (!Canonical.isKeyId(keyId)) {
                throw new IllegalArgumentException("Credential: expected an access key id of 1 to "
                        + Canonical.MAX_KEY_ID_LENGTH + " visible ASCII characters other than ',' but was "
                        + keyId.length() + " characters" + (keyId.isEmpty() || keyId.length() > Canonical.MAX_KEY_ID_LENGTH
                        ? "" : " with others"));
            }
            if (!Canonical.isSha256Hex(signature)) {
                throw new IllegalArgumentException("Signature: expected 64 lowercase hex digits but was "
                        + signature.length() + " characters" + (signature.length() == 64 ? " with some not lowercase hex" : ""));
            }
            return new Authorization(keyId, names(signedHeaders), signature);
        }

        private static String once(String name, String before, String value) {
            if (before != null) {
                throw new IllegalArgumentException("Authorization: expected " + name + " once but it is given twice");
            }
            return value;
        }

        private static List<String> names(String signedHeaders) {
            List<String> names = List.of(signedHeaders.split(";", -1));
            String previous = "";
            for (String name : names) {
                if (!Canonical.isToken(name) || !name.equals(name.toLowerCase(Locale.ROOT))
                        || name.compareTo(previous) <= 0) {
                    throw new IllegalArgumentException("SignedHeaders: expected lowercase header names, sorted, each"
                            + " once, separated by ';' but was \"" + printable(signedHeaders) + "\"");
                }
                previous = name;
            }
            if (names.contains(Canonical.AUTHORIZATION)) {
                throw new IllegalArgumentException("SignedHeaders: expected headers other than authorization, which"
                        + " carries the signature, but it is listed");
            }
            for (String mandatory : List.of(Canonical.CONTENT_SHA256, Canonical.DATE)) {
                if (!names.contains(mandatory)) {
                    throw new IllegalArgumentException("SignedHeaders: expected " + mandatory
                            + " among the signed headers but it is not");
                }
            }
            return names;
        }
    }

    /** A builder of verifiers. Not thread-safe; build once and share the verifier. */
    public static final class Builder {
        private Duration window = Duration.ofMinutes(5);
        private int maxRemembered = 100_000;
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /**
         * How far a request's time may be from the verifier's clock, either way, and how long an
         * accepted signature is remembered after that time; default 5 minutes.
         *
         * @throws IllegalArgumentException unless at least 1 second and at most 7 days
         */
        public Builder window(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(MAX_WINDOW) > 0) {
                throw new IllegalArgumentException("window: " + window + " is out of range [PT1S, " + MAX_WINDOW + "]");
            }
            this.window = window;
            return this;
        }

        /**
         * The most unexpired accepted signatures remembered; once reached, new signatures are refused
         * with {@link Failure#TOO_MANY_SIGNATURES} until some expire (none is forgotten early, which
         * would let it be replayed). Default 100,000, about 25 MB at most.
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder maxRemembered(int maxRemembered) {
            if (maxRemembered < 1) {
                throw new IllegalArgumentException("maxRemembered: " + maxRemembered + " is not positive");
            }
            this.maxRemembered = maxRemembered;
            return this;
        }

        /** The clock requests' times are compared with; default the system UTC clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public SignatureVerifier build() {
            return new SignatureVerifier(this);
        }
    }

    /** What {@link #verify} decided: {@link Valid} or {@link Invalid}. Immutable. */
    public sealed interface Verdict permits Valid, Invalid {
    }

    /**
     * Immutable: the signature is good, fresh and now spent.
     *
     * @param accessKeyId the key id that signed: who the caller is
     * @param contentSha256Hex the body's SHA-256 the signature covers; the server must check the
     *        body it receives against it before acting on the request
     */
    public record Valid(String accessKeyId, String contentSha256Hex) implements Verdict {
        public Valid {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(contentSha256Hex, "contentSha256Hex");
        }
    }

    /**
     * Immutable: the request is refused.
     *
     * @param failure which check failed
     * @param message why, fit to send back to the client (no secret in it)
     */
    public record Invalid(Failure failure, String message) implements Verdict {
        public Invalid {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(message, "message");
        }
    }

    /** Which check refused a request. */
    public enum Failure {
        /** The Authorization, date or content hash header, the signed headers or the target are not as specified. */
        MALFORMED,
        /** The access key id is not known. */
        UNKNOWN_KEY,
        /** The signature does not match the request. */
        BAD_SIGNATURE,
        /** The request's time is further from the verifier's clock than the window. */
        CLOCK_SKEW,
        /** The same signature was already accepted within the window. */
        REPLAYED,
        /** The memory of accepted signatures is full of unexpired ones. */
        TOO_MANY_SIGNATURES
    }
}
