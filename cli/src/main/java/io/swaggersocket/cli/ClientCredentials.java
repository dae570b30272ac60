package io.swaggersocket.cli;

import io.swaggersocket.auth.RequestSigner;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The credentials a command that dials the server presents ({@code agent}, {@code watch}): a
 * bearer token, or an access key that signs each upgrade. A picocli mixin, so that the options,
 * their environment variables and config keys, and their checks are the same in every command.
 * Picocli fills one instance per run: not thread-safe.
 */
final class ClientCredentials {
    @Option(names = "--token-file", paramLabel = "FILE", description = "a file holding the token (sent as Authorization: Bearer TOKEN)")
    Path tokenFile;

    @Option(names = "--token", paramLabel = "TOKEN", description = "the token itself (visible in ps: prefer --token-file or SWAGGERSOCKET_TOKEN)")
    String token;

    @Option(names = "--access-key", paramLabel = "ID", description = "sign the upgrade with this access key id (SWS1-HMAC-SHA256)")
    String accessKey;

    @Option(names = "--secret-key-file", paramLabel = "FILE", description = "a file holding the access key's secret (read once, trimmed)")
    Path secretKeyFile;

    /**
     * What was given, checked; secrets never appear in {@link #toString}.
     *
     * @param bearer the token, or {@code null}
     * @param accessKey the access key id, or {@code null} (then {@code secretKey} is {@code null} too)
     */
    record Resolved(String bearer, String accessKey, String secretKey) {
        /** The signer for the access key, or {@code null} without one. */
        RequestSigner signer() {
            return accessKey == null ? null : RequestSigner.of(accessKey, secretKey);
        }

        @Override
        public String toString() {
            return "Credentials[bearer=" + (bearer != null) + ", accessKey=" + accessKey + "]";
        }
    }

    /**
     * Reads the files and checks the combination; {@code env} gives {@value Secrets#SECRET_KEY_ENV}.
     *
     * @throws UsageException naming the option at fault, never a secret
     */
    Resolved resolve(Map<String, String> env) throws UsageException {
        String bearer = token;
        if (bearer != null && (bearer.isEmpty() || bearer.chars().anyMatch(c -> c <= ' ' || c == 127))) {
            throw new UsageException("--token: expected a token without spaces or control characters");
        }
        if (bearer != null && tokenFile != null) {
            throw new UsageException("--token and --token-file do not go together");
        }
        if (tokenFile != null) {
            bearer = Secrets.read("token-file", tokenFile);
        }
        String secretKey = secretKeyFile != null ? Secrets.read("secret-key-file", secretKeyFile)
                : Secrets.env(env, Secrets.SECRET_KEY_ENV);
        if (secretKeyFile != null && accessKey == null) {
            throw new UsageException("--secret-key-file needs --access-key");
        }
        if (accessKey != null && secretKey == null) {
            throw new UsageException("--access-key needs --secret-key-file or " + Secrets.SECRET_KEY_ENV);
        }
        if (accessKey == null) {
            return new Resolved(bearer, null, null);
        }
        try {
            RequestSigner.of(accessKey, secretKey);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--access-key: " + e.getMessage());
        }
        return new Resolved(bearer, accessKey, secretKey);
    }
}
