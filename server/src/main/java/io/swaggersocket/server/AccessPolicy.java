package io.swaggersocket.server;

import io.swaggersocket.auth.RequestSigner;
import io.swaggersocket.auth.SignatureVerifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Immutable and thread-safe: who may connect, call and administer which agents. An
 * {@link Authenticator} for {@link SocketServer.Builder#accessPolicy}: it names the principal
 * behind each request's credential, and the server checks that principal's {@link Grants} on
 * every tunnel, ingress and admin request.
 *
 * <pre>{@code
 * AccessPolicy policy = AccessPolicy.builder()
 *         .principal("team-a", new Grants(List.of("a-*"), List.of("a-*"), List.of("a-*")))
 *         .token("team-a", System.getenv("TEAM_A_TOKEN"))
 *         .accessKey("team-a", "AKTEAMA", secretKey)
 *         .principal("ops", Grants.all())
 *         .tokenSha256("ops", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
 *         .build();
 * SocketServer server = SocketServer.builder().bind("0.0.0.0", 8443).accessPolicy(policy)
 *         .ingress(true).adminApi(true).build();
 * }</pre>
 *
 * <p>Credentials, tried in this order:
 * <ol>
 * <li>a signed request ({@code Authorization: SWS1-HMAC-SHA256 ...}, see {@link RequestSigner}):
 *     the access key's secret checks the signature, the timestamp must be within the window
 *     (default 5 minutes) and the same signature is accepted once;</li>
 * <li>a bearer token, as {@code Authorization: Bearer <token>} or {@code ?token=<token>}: only
 *     SHA-256 digests are kept, and a presented token is compared with every digest in constant
 *     time;</li>
 * <li>a TLS client certificate the listener verified, by its subject's common name.</li>
 * </ol>
 * A request that carries an {@code Authorization} header is judged by it alone. A refusal is a 401
 * whose message says which check failed (unknown key, bad signature, clock skew, replay, invalid
 * token) and never quotes a secret; nothing here logs.
 */
public final class AccessPolicy implements Authenticator {
    /** The query parameter that may carry a bearer token. */
    public static final String TOKEN_QUERY_PARAMETER = BearerTokens.QUERY_PARAMETER;
    /** The principal a plain tokens file gives every token. */
    public static final String DEFAULT_PRINCIPAL = "default";
    private static final String EMPTY_SHA256 = RequestSigner.sha256Hex(new byte[0]);

    private record Entry(String principal, String label, String key) {
    }

    private final Map<String, Grants> principals;
    /** Token digests and who holds each, in the order given. */
    private final byte[][] tokenDigests;
    private final Entry[] tokenEntries;
    private final Map<String, String> accessKeySecrets;
    private final Map<String, Entry> accessKeys;
    private final Map<String, Entry> certificates;
    private final SignatureVerifier verifier;
    private final Duration signatureWindow;
    private final int maxRememberedSignatures;

    private AccessPolicy(Builder b, SignatureVerifier verifier) {
        principals = Collections.unmodifiableMap(new LinkedHashMap<>(b.principals));
        tokenDigests = b.tokenDigests.toArray(new byte[0][]);
        tokenEntries = b.tokenEntries.toArray(new Entry[0]);
        accessKeySecrets = Map.copyOf(b.accessKeySecrets);
        accessKeys = Map.copyOf(b.accessKeys);
        certificates = Map.copyOf(b.certificates);
        signatureWindow = b.signatureWindow;
        maxRememberedSignatures = b.maxRememberedSignatures;
        this.verifier = verifier;
    }

    private AccessPolicy(AccessPolicy p, SignatureVerifier verifier) {
        principals = p.principals;
        tokenDigests = p.tokenDigests;
        tokenEntries = p.tokenEntries;
        accessKeySecrets = p.accessKeySecrets;
        accessKeys = p.accessKeys;
        certificates = p.certificates;
        signatureWindow = p.signatureWindow;
        maxRememberedSignatures = p.maxRememberedSignatures;
        this.verifier = verifier;
    }

    /** A builder with no principals. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The policy of a plain list of tokens: one principal, {@value #DEFAULT_PRINCIPAL}, with every
     * grant, holding all of them; what a one-token-per-line file means.
     *
     * @throws IllegalArgumentException when there are no tokens or one is not valid (the message
     *         names its position, never its value)
     */
    public static AccessPolicy fullAccess(List<String> tokens) {
        Builder b = builder().principal(DEFAULT_PRINCIPAL, Grants.all());
        tokens.forEach(t -> b.token(DEFAULT_PRINCIPAL, t));
        return b.build();
    }

    /**
     * Reads an access file: YAML with a {@code principals:} list, or a plain file of tokens, one a
     * line, meaning {@link #fullAccess}. The format is described in the README and SECURITY.md.
     *
     * @throws IOException naming the file and, for a file that does not parse or holds a value
     *         that is not valid, the line at fault; never quoting a secret
     */
    public static AccessPolicy read(Path file) throws IOException {
        return AccessFile.read(file);
    }

    /** The principals' names, in the order they were given. */
    public Set<String> principals() {
        return principals.keySet();
    }

    /** The grants of principal {@code name}, if the policy has it. */
    public Optional<Grants> grants(String name) {
        return Optional.ofNullable(principals.get(name));
    }

    @Override
    public AuthResult authenticate(UpgradeRequest request) {
        String authorization = request.header("Authorization").orElse(null);
        if (authorization != null && SignatureVerifier.isSigned(request::headerValues)) {
            return signed(request);
        }
        String bearer = authorization == null ? null : bearer(authorization);
        if (authorization != null && bearer == null) {
            return AuthResult.unauthorized("unsupported Authorization header: expected Bearer <token> or "
                    + RequestSigner.ALGORITHM + " (a signed request)");
        }
        String query = request.queryParameter(TOKEN_QUERY_PARAMETER).orElse(null);
        if (bearer != null || query != null) {
            int index = bearer != null ? matchToken(bearer) : -1;
            if (index < 0 && query != null) {
                index = matchToken(query);
            }
            if (index < 0) {
                return AuthResult.unauthorized("invalid token");
            }
            return accept(tokenEntries[index]);
        }
        List<X509Certificate> chain = request.clientCertificates();
        if (!chain.isEmpty()) {
            Optional<String> cn = ClientCertificates.commonName(chain.get(0));
            Entry entry = cn.map(certificates::get).orElse(null);
            if (entry == null) {
                return AuthResult.unauthorized("client certificate " + cn.map(n -> "CN=" + n).orElse("without a CN")
                        + " is not in the access policy");
            }
            return accept(entry);
        }
        return AuthResult.unauthorized("missing credentials: send Authorization: Bearer <token>, ?"
                + TOKEN_QUERY_PARAMETER + "=<token>, a signed request or a client certificate");
    }

    private AuthResult signed(UpgradeRequest request) {
        SignatureVerifier.Verdict verdict = verifier.verify(request.method(), request.rawTarget(),
                request::headerValues, id -> Optional.ofNullable(accessKeySecrets.get(id)));
        if (verdict instanceof SignatureVerifier.Invalid invalid) {
            return AuthResult.unauthorized("signed request: " + invalid.message());
        }
        SignatureVerifier.Valid valid = (SignatureVerifier.Valid) verdict;
        boolean hasBody = request.header("Content-Length").map(v -> !v.strip().equals("0")).orElse(false)
                || request.header("Transfer-Encoding").isPresent();
        if (!hasBody && !valid.contentSha256Hex().equalsIgnoreCase(EMPTY_SHA256)) {
            return AuthResult.unauthorized("signed request: " + RequestSigner.CONTENT_SHA256_HEADER
                    + " is not the SHA-256 of the empty body this request has");
        }
        return accept(accessKeys.get(valid.accessKeyId()));
    }

    private AuthResult accept(Entry entry) {
        return AuthResult.accept(new GrantedPrincipal(entry.principal(), principals.get(entry.principal()),
                entry.label(), entry.key()));
    }

    /**
     * True if {@code principal}, authenticated by a policy before this one, still holds here: the
     * principal exists, still has the credential it presented, and may still register
     * {@code agentName}. Principals of other authenticators always hold.
     */
    boolean stillAdmits(java.security.Principal principal, String agentName) {
        if (!(principal instanceof GrantedPrincipal g)) {
            return true;
        }
        Grants grants = principals.get(g.getName());
        if (grants == null || !grants.mayRegister(agentName)) {
            return false;
        }
        String key = g.credentialKey();
        for (Entry e : tokenEntries) {
            if (e.key().equals(key) && e.principal().equals(g.getName())) {
                return true;
            }
        }
        return holds(accessKeys, key, g.getName()) || holds(certificates, key, g.getName());
    }

    private static boolean holds(Map<String, Entry> entries, String key, String principal) {
        for (Entry e : entries.values()) {
            if (e.key().equals(key) && e.principal().equals(principal)) {
                return true;
            }
        }
        return false;
    }

    /** This policy, remembering accepted signatures in {@code other}'s memory: replays stay refused across a reload. */
    AccessPolicy sharingReplayMemoryOf(AccessPolicy other) {
        return new AccessPolicy(this, other.verifier);
    }

    private int matchToken(String presented) {
        return indexOf(tokenDigests, presented);
    }

    /**
     * The index of the digest of {@code presented} in {@code digests}, or -1; compares with every
     * digest in constant time, whatever matches, so the time taken says nothing about a guess.
     */
    static int indexOf(byte[][] digests, String presented) {
        byte[] d = sha256(presented);
        int found = -1;
        for (int i = 0; i < digests.length; i++) {
            if (MessageDigest.isEqual(digests[i], d) && found < 0) {
                found = i;
            }
        }
        return found;
    }

    /** The token of a {@code Bearer} credential (scheme matched ignoring case), or {@code null}. */
    static String bearer(String authorization) {
        String value = authorization.strip();
        if (value.length() > 7 && value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = value.substring(7).strip();
            return token.isEmpty() ? null : token;
        }
        return null;
    }

    static byte[] sha256(String text) {
        return SHA256.get().digest(text.getBytes(StandardCharsets.UTF_8)); // digest() resets it for the next use
    }

    /**
     * One digest per thread: every authenticated call hashes its token, and looking the algorithm
     * up among the security providers for each cost more than the hash itself.
     */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e); // every JDK has it
        }
    });

    @Override
    public String toString() {
        return "AccessPolicy[principals=" + principals.keySet() + ", " + tokenDigests.length + " tokens, "
                + accessKeys.size() + " access keys, " + certificates.size() + " certificates]";
    }

    /**
     * Not thread-safe: collects principals and their credentials. A credential names a principal
     * given before it; one credential belongs to one principal.
     */
    public static final class Builder {
        private final Map<String, Grants> principals = new LinkedHashMap<>();
        private final List<byte[]> tokenDigests = new ArrayList<>();
        private final List<Entry> tokenEntries = new ArrayList<>();
        private final Map<String, Integer> tokensPerPrincipal = new LinkedHashMap<>();
        private final Map<String, String> accessKeySecrets = new LinkedHashMap<>();
        private final Map<String, Entry> accessKeys = new LinkedHashMap<>();
        private final Map<String, Entry> certificates = new LinkedHashMap<>();
        private Duration signatureWindow = Duration.ofMinutes(5);
        private int maxRememberedSignatures = 100_000;

        private Builder() {
        }

        /**
         * Adds principal {@code name} with {@code grants}.
         *
         * @throws IllegalArgumentException when the name is empty, over 128 characters, holds
         *         whitespace or control characters, or was given before
         */
        public Builder principal(String name, Grants grants) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(grants, "grants");
            if (name.isEmpty() || name.length() > 128
                    || name.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw new IllegalArgumentException("principal: expected a name of 1 to 128 characters without"
                        + " whitespace but was \"" + name + "\"");
            }
            if (principals.putIfAbsent(name, grants) != null) {
                throw new IllegalArgumentException("principal " + name + ": given twice");
            }
            return this;
        }

        /**
         * Gives {@code principal} a bearer token; only its SHA-256 digest is kept.
         *
         * @throws IllegalArgumentException when the principal is unknown, the token is empty or
         *         holds whitespace or control characters, or another principal holds it (the
         *         message never quotes the token)
         */
        public Builder token(String principal, String token) {
            Objects.requireNonNull(token, "token");
            if (token.isEmpty() || token.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw new IllegalArgumentException("principal " + principal + ": expected a non-empty token without"
                        + " whitespace or control characters");
            }
            return digest(principal, sha256(token));
        }

        /**
         * Gives {@code principal} the bearer token whose SHA-256 digest is {@code hex} (64 hex
         * digits): the secret itself need not be stored where the policy is.
         *
         * @throws IllegalArgumentException when the principal is unknown, {@code hex} is not 64
         *         hex digits, or another principal holds the token
         */
        public Builder tokenSha256(String principal, String hex) {
            Objects.requireNonNull(hex, "hex");
            if (!hex.matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException("principal " + principal
                        + ": expected a token's SHA-256 as 64 hex digits but was " + hex.length() + " characters");
            }
            return digest(principal, HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT)));
        }

        private Builder digest(String principal, byte[] digest) {
            known(principal);
            for (int i = 0; i < tokenDigests.size(); i++) {
                if (MessageDigest.isEqual(tokenDigests.get(i), digest)) {
                    if (tokenEntries.get(i).principal().equals(principal)) {
                        return this; // the same token twice: once is enough
                    }
                    throw new IllegalArgumentException("principal " + principal + ": holds a token that principal "
                            + tokenEntries.get(i).principal() + " holds too");
                }
            }
            int n = tokensPerPrincipal.merge(principal, 1, Integer::sum);
            tokenDigests.add(digest);
            tokenEntries.add(new Entry(principal, "token " + n, "token:" + HexFormat.of().formatHex(digest)));
            return this;
        }

        /**
         * Gives {@code principal} an access key for signed requests.
         *
         * @throws IllegalArgumentException when the principal is unknown, the id or secret is not
         *         valid (see {@link RequestSigner#of}), or the id is taken
         */
        public Builder accessKey(String principal, String accessKeyId, String secretKey) {
            known(principal);
            try {
                RequestSigner.of(accessKeyId, secretKey); // the same rules as the signing side
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("principal " + principal + ": " + e.getMessage(), e);
            }
            if (accessKeys.containsKey(accessKeyId)) {
                throw new IllegalArgumentException("principal " + principal + ": access key " + accessKeyId
                        + " is given twice");
            }
            accessKeySecrets.put(accessKeyId, secretKey);
            accessKeys.put(accessKeyId, new Entry(principal, "access key " + accessKeyId, "key:" + accessKeyId));
            return this;
        }

        /**
         * Maps TLS client certificates whose subject common name is {@code commonName} to
         * {@code principal}. Only certificates the listener's trust store verified count.
         *
         * @throws IllegalArgumentException when the principal is unknown, the name is empty, or
         *         another principal has it
         */
        public Builder certificate(String principal, String commonName) {
            known(principal);
            Objects.requireNonNull(commonName, "commonName");
            if (commonName.isBlank()) {
                throw new IllegalArgumentException("principal " + principal + ": expected a certificate common name"
                        + " but it is empty");
            }
            Entry was = certificates.putIfAbsent(commonName,
                    new Entry(principal, "certificate CN=" + commonName, "cn:" + commonName));
            if (was != null && !was.principal().equals(principal)) {
                throw new IllegalArgumentException("principal " + principal + ": certificate CN=" + commonName
                        + " belongs to principal " + was.principal() + " already");
            }
            return this;
        }

        /**
         * How far a signed request's timestamp may be from the server's clock, either way; default
         * 5 minutes. Accepted signatures are remembered this long to refuse replays.
         *
         * @throws IllegalArgumentException when not in [1 s, 1 h]
         */
        public Builder signatureWindow(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("signatureWindow: " + window + " is out of range [PT1S, PT1H]");
            }
            this.signatureWindow = window;
            return this;
        }

        /**
         * How many accepted signatures are remembered at most within the window; default 100,000.
         * When that many are, new signed requests are refused until old ones expire.
         *
         * @throws IllegalArgumentException when not in [1, 10,000,000]
         */
        public Builder maxRememberedSignatures(int max) {
            if (max < 1 || max > 10_000_000) {
                throw new IllegalArgumentException("maxRememberedSignatures: " + max
                        + " is out of range [1, 10000000]");
            }
            this.maxRememberedSignatures = max;
            return this;
        }

        private void known(String principal) {
            Objects.requireNonNull(principal, "principal");
            if (!principals.containsKey(principal)) {
                throw new IllegalArgumentException("principal " + principal + ": not given (call principal(name,"
                        + " grants) before its credentials)");
            }
        }

        /**
         * @throws IllegalStateException when there is no principal
         */
        public AccessPolicy build() {
            if (principals.isEmpty()) {
                throw new IllegalStateException("access policy: expected at least one principal but there are none");
            }
            return new AccessPolicy(this, SignatureVerifier.builder().window(signatureWindow)
                    .maxRemembered(maxRememberedSignatures).build());
        }
    }
}
