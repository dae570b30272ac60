package io.swaggersocket.examples.cli;

import io.swaggersocket.auth.RequestSigner;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Thread-safe (stateless): the {@code swaggersocket sign} command. It signs one request as
 * docs/SIGNING.md specifies and prints the headers to send with it, for curl and other clients
 * that cannot sign themselves. It sends nothing.
 */
public final class SignCommand {
    /** Where the secret key comes from when no {@code --secret-key-file} is given. */
    static final String SECRET_ENV = "SWAGGERSOCKET_SECRET_KEY";

    static final String USAGE = String.join("\n",
            "usage: swaggersocket sign --access-key ID [--secret-key-file FILE] [--header 'Name: value']...",
            "                          [--data-file FILE] [--curl] METHOD URL",
            "",
            "Signs one request with SWS1-HMAC-SHA256 (docs/SIGNING.md) and prints the headers to send with",
            "it, one 'Name: value' a line: the --header ones (they are signed, so send them as given), then",
            "Authorization, X-Sws-Date and X-Sws-Content-Sha256. The Host signed is the URL's host, with the",
            "port unless it is the scheme's default, as curl sends it. A signature is good for one request",
            "within the server's window (5 minutes by default): sign right before sending.",
            "",
            "options:",
            "  --access-key ID          the access key id",
            "  --secret-key-file FILE   a file holding the secret key on one line; without it, the secret comes",
            "                           from the environment variable " + SECRET_ENV + " (never from the",
            "                           command line, where other users could see it)",
            "  --header 'Name: value'   a header to send and sign, such as 'Content-Type: application/json'",
            "                           (repeatable)",
            "  --data-file FILE         the body to send; without it, the request has no body",
            "  --curl                   print the headers as one line of quoted -H arguments for the shell",
            "  --help                   show this text",
            "",
            "examples:",
            "  curl -H @<(swaggersocket sign --access-key ID --data-file pet.json POST \"$url\") \\",
            "       --data-binary @pet.json \"$url\"",
            "  eval \"curl $(swaggersocket sign --curl --access-key ID GET \"$url\") '$url'\"");

    private SignCommand() {
    }

    /** The parsed command line; the secret is read later, by {@link #run}. */
    record Options(String accessKey, Path secretKeyFile, Map<String, String> headers, Path dataFile, boolean curl,
            String method, URI url) {
    }

    /**
     * Runs the command with the process's environment and clock: 0 after printing the headers, 2
     * with a one-line reason on {@code err} for a bad command line, 1 when a file cannot be read or
     * the secret is not a valid one.
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.getenv(), Clock.systemUTC());
    }

    static int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        Options options;
        try {
            if (args.contains("--help")) {
                out.println(USAGE);
                return 0;
            }
            options = parse(args);
            if (options.secretKeyFile() == null && env.get(SECRET_ENV) == null) {
                throw new UsageException("--secret-key-file or the environment variable " + SECRET_ENV + " is required");
            }
        } catch (UsageException e) {
            err.println("swaggersocket sign: " + e.getMessage() + " (try --help)");
            return 2;
        }
        Map<String, String> lines;
        try {
            lines = sign(options, secret(options, env), clock);
        } catch (IOException e) {
            err.println("swaggersocket sign: " + e.getMessage());
            return 1;
        }
        if (options.curl()) {
            List<String> words = new ArrayList<>();
            lines.forEach((name, value) -> words.add("-H " + shellQuote(name + ": " + value)));
            out.println(String.join(" ", words));
        } else {
            lines.forEach((name, value) -> out.println(name + ": " + value));
        }
        return 0;
    }

    static Options parse(List<String> args) throws UsageException {
        CliArgs a = CliArgs.parse(args, Set.of("access-key", "secret-key-file", "header", "data-file"), Set.of("header"),
                Set.of("curl"), 2);
        String accessKey = a.required("access-key");
        try {
            RequestSigner.of(accessKey, "x"); // validates the id, naming what is wrong
        } catch (IllegalArgumentException e) {
            throw new UsageException("--access-key: " + e.getMessage());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header : a.all("header")) {
            int colon = header.indexOf(':');
            String name = colon < 0 ? "" : header.substring(0, colon).strip();
            if (name.isEmpty() || name.chars().anyMatch(c -> c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0)) {
                throw new UsageException("--header: expected 'Name: value' with a header name before the colon");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("authorization") || lower.equals("x-sws-date") || lower.equals("x-sws-content-sha256")) {
                throw new UsageException("--header: " + name + " is what this command prints");
            }
            if (headers.keySet().stream().anyMatch(n -> n.equalsIgnoreCase(name))) {
                throw new UsageException("--header: " + name + " is given twice; give its values in one, separated by ','");
            }
            headers.put(name, header.substring(colon + 1).strip());
        }
        List<String> positional = a.positional();
        if (positional.size() != 2) {
            throw new UsageException("expected METHOD and URL after the options but " + (positional.isEmpty()
                    ? "there are neither" : "there is only " + positional.get(0)));
        }
        String method = positional.get(0);
        if (method.isEmpty() || method.chars().anyMatch(c -> c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0)) {
            throw new UsageException("METHOD: expected an HTTP method such as GET but was \"" + method + "\"");
        }
        URI url;
        try {
            url = new URI(positional.get(1));
        } catch (URISyntaxException e) {
            throw new UsageException("URL: not a valid URL: " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(url.getScheme()) && !"https".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
            throw new UsageException("URL: expected an http:// or https:// URL with a host but was " + url.getScheme()
                    + "://" + (url.getHost() == null ? "" : url.getHost()));
        }
        String file = a.value("secret-key-file");
        String data = a.value("data-file");
        return new Options(accessKey, file == null ? null : Path.of(file), Collections.unmodifiableMap(headers),
                data == null ? null : Path.of(data), a.has("curl"), method, url);
    }

    /** The secret from the file, or else from the environment; messages never show it. */
    private static String secret(Options options, Map<String, String> env) throws IOException {
        if (options.secretKeyFile() == null) {
            return env.get(SECRET_ENV).strip();
        }
        return read(options.secretKeyFile(), "secret key file").strip();
    }

    /** The lines to print: the --header ones, then the signature headers. */
    static Map<String, String> sign(Options options, String secret, Clock clock) throws IOException {
        RequestSigner signer;
        try {
            signer = RequestSigner.of(options.accessKey(), secret);
        } catch (IllegalArgumentException e) {
            throw new IOException("the secret key " + (options.secretKeyFile() == null ? "in " + SECRET_ENV
                    : "in " + options.secretKeyFile()) + " is not valid: " + e.getMessage(), e);
        }
        signer = signer.withClock(clock).withSignedHeaders(options.headers().keySet());
        URI url = options.url();
        Map<String, List<String>> headers = new LinkedHashMap<>();
        if (options.headers().keySet().stream().noneMatch(n -> n.equalsIgnoreCase("Host"))) {
            boolean defaultPort = url.getPort() < 0 || url.getScheme().equalsIgnoreCase("http") && url.getPort() == 80
                    || url.getScheme().equalsIgnoreCase("https") && url.getPort() == 443;
            headers.put("Host", List.of(defaultPort ? url.getHost() : url.getHost() + ":" + url.getPort()));
        }
        options.headers().forEach((name, value) -> headers.put(name, List.of(value)));
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        String target = url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
        Map<String, String> signature;
        try {
            signature = signer.signDigest(options.method(), target, headers, bodySha256(options.dataFile()));
        } catch (IllegalArgumentException e) {
            throw new IOException("URL: " + e.getMessage(), e);
        }
        Map<String, String> lines = new LinkedHashMap<>(options.headers());
        lines.putAll(signature);
        return lines;
    }

    private static String bodySha256(Path dataFile) throws IOException {
        if (dataFile == null) {
            return RequestSigner.EMPTY_SHA256;
        }
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e); // every JDK has it
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(dataFile), digest)) {
            in.transferTo(java.io.OutputStream.nullOutputStream()); // streamed: the file may be large
        } catch (IOException e) {
            throw new IOException("cannot read data file " + dataFile + ": " + reason(e), e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String read(Path file, String what) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read " + what + " " + file + ": " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof MalformedInputException) {
            return "not UTF-8 text";
        }
        return e.toString();
    }

    /** {@code s} in single quotes for a POSIX shell, each {@code '} written as {@code '\''}. */
    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
