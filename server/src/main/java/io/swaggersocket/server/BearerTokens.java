package io.swaggersocket.server;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Principal;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Immutable and thread-safe: an {@link Authenticator} that accepts a fixed set of bearer tokens,
 * for agents, ingress callers and the admin API alike.
 *
 * <pre>{@code
 * List<String> tokens = new ArrayList<>(BearerTokens.readFile(Path.of("/etc/swaggersocket/tokens")));
 * SocketServer server = SocketServer.builder().bind("0.0.0.0", 8443)
 *         .authenticator(BearerTokens.of(tokens)).ingress(true).adminApi(true).build();
 * }</pre>
 *
 * <p>A request presents its token as {@code Authorization: Bearer <token>} or, where a header
 * cannot be set (a browser link, a WebSocket from a browser), as the query parameter
 * {@code ?token=<token>}. A valid token is accepted with a principal named {@code token-N}, its
 * position in the set (from 1): a label for logs and {@code /connections}, never the token.
 *
 * <p>Only SHA-256 digests of the tokens are kept, and a presented token is compared with every one
 * of them in constant time ({@link MessageDigest#isEqual}), so that the time taken says nothing
 * about how close a guess was. Tokens never appear in messages, logs or {@link #toString()}.
 *
 * <p>Each token is a principal of its own, with every grant: agents that share a name must use
 * the same token, since a name belongs to one principal at a time. For one principal holding
 * several tokens, or for grants, use {@link AccessPolicy} ({@link AccessPolicy#fullAccess} is the
 * same set of tokens as one principal).
 */
public final class BearerTokens implements Authenticator {
    /** The query parameter that may carry the token. */
    public static final String QUERY_PARAMETER = "token";

    private final byte[][] digests;
    private final Principal[] principals;

    private BearerTokens(List<String> tokens) {
        List<byte[]> unique = new ArrayList<>();
        for (String token : tokens) {
            byte[] d = AccessPolicy.sha256(token);
            if (unique.stream().noneMatch(u -> Arrays.equals(u, d))) {
                unique.add(d);
            }
        }
        digests = unique.toArray(new byte[0][]);
        principals = new Principal[digests.length];
        for (int i = 0; i < principals.length; i++) {
            principals[i] = new TokenPrincipal("token-" + (i + 1));
        }
    }

    /**
     * Accepts {@code tokens}; duplicates count once.
     *
     * @throws IllegalArgumentException when there are none, or one is empty or holds whitespace or a
     *         control character (the message names its position, never its value)
     */
    public static BearerTokens of(String... tokens) {
        return of(Arrays.asList(tokens));
    }

    /** {@link #of(String...)} for a collection, in its iteration order. */
    public static BearerTokens of(Collection<String> tokens) {
        Objects.requireNonNull(tokens, "tokens");
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("tokens: expected at least one token but there are none");
        }
        int n = 0;
        for (String token : tokens) {
            n++;
            if (token == null) {
                throw new NullPointerException("token " + n);
            }
            if (token.isEmpty()
                    || token.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw new IllegalArgumentException("token " + n + ": expected a non-empty token without whitespace"
                        + " or control characters");
            }
        }
        return new BearerTokens(List.copyOf(tokens));
    }

    /**
     * Reads tokens from a UTF-8 file, one a line; blank lines and lines starting with {@code #} are
     * skipped, and spaces around a token are ignored. The list may be empty.
     *
     * @throws IOException naming the file when it cannot be read, or the line at fault when a line
     *         holds more than one word
     */
    public static List<String> readFile(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read tokens file " + file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read tokens file " + file + ": permission denied", e);
        } catch (MalformedInputException e) {
            throw new IOException("cannot read tokens file " + file + ": not UTF-8 text", e);
        } catch (IOException e) {
            throw new IOException("cannot read tokens file " + file + ": " + e, e);
        }
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
                throw new IOException("tokens file " + file + " line " + (i + 1)
                        + ": expected one token but the line holds whitespace or control characters");
            }
            tokens.add(line);
        }
        return tokens;
    }

    /** A new random token: 32 bytes from {@link SecureRandom}, base64url without padding (43 characters). */
    public static String newToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** How many distinct tokens are accepted. */
    public int size() {
        return digests.length;
    }

    /**
     * Accepts a request whose {@code Authorization: Bearer} token or {@code token} query parameter
     * is one of the set; otherwise 401 with a message that does not quote what was sent.
     */
    @Override
    public AuthResult authenticate(UpgradeRequest request) {
        String header = request.header("Authorization").map(AccessPolicy::bearer).orElse(null);
        String query = request.queryParameter(QUERY_PARAMETER).orElse(null);
        if (header == null && query == null) {
            return AuthResult.unauthorized("missing token: send Authorization: Bearer <token> or ?"
                    + QUERY_PARAMETER + "=<token>");
        }
        int index = header != null ? match(header) : -1;
        if (index < 0 && query != null) {
            index = match(query);
        }
        return index < 0 ? AuthResult.unauthorized("invalid token") : AuthResult.accept(principals[index]);
    }

    /** The index of the token, or -1; looks at every digest, whatever matches. */
    private int match(String presented) {
        return AccessPolicy.indexOf(digests, presented);
    }

    @Override
    public String toString() {
        return "BearerTokens[" + digests.length + (digests.length == 1 ? " token]" : " tokens]");
    }

    /** The principal of a valid token: its label, never the token. */
    private record TokenPrincipal(String getName) implements Principal {
    }
}
