package io.swaggersocket.cli;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the commands take secrets from besides the command line (where {@code ps} shows them):
 * files and environment variables. Stateless; messages name the file or variable, never the value.
 */
final class Secrets {
    /** A bearer token: the server accepts it (full access), the agent sends it. */
    static final String TOKEN_ENV = "SWAGGERSOCKET_TOKEN";
    /** The agent's access key id for signed upgrades. */
    static final String ACCESS_KEY_ENV = "SWAGGERSOCKET_ACCESS_KEY";
    /** The agent's secret key for signed upgrades. */
    static final String SECRET_KEY_ENV = "SWAGGERSOCKET_SECRET_KEY";

    private Secrets() {
    }

    /**
     * The one secret in {@code file}: its text with surrounding whitespace stripped.
     *
     * @throws UsageException naming the option and the file when it cannot be read, is empty, or
     *         holds more than one word
     */
    static String read(String option, Path file) throws UsageException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (NoSuchFileException e) {
            throw new UsageException("--" + option + ": cannot read " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UsageException("--" + option + ": cannot read " + file + ": permission denied");
        } catch (MalformedInputException e) {
            throw new UsageException("--" + option + ": cannot read " + file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UsageException("--" + option + ": cannot read " + file + ": " + e.getMessage());
        }
        if (text.isEmpty()) {
            throw new UsageException("--" + option + ": " + file + " is empty");
        }
        if (!isWord(text)) {
            throw new UsageException("--" + option + ": expected one secret in " + file
                    + " but it holds whitespace or control characters");
        }
        return text;
    }

    /** The value of {@code name} in {@code env}, stripped; {@code null} when unset or blank. */
    static String env(Map<String, String> env, String name) throws UsageException {
        String value = env.get(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        value = value.strip();
        if (!isWord(value)) {
            throw new UsageException(name + ": expected one secret but the variable holds whitespace or control"
                    + " characters");
        }
        return value;
    }

    /** A secret without whitespace or control characters. */
    static boolean isWord(String value) {
        return !value.isEmpty() && value.chars().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
    }
}
