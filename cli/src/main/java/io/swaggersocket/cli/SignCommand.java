package io.swaggersocket.cli;

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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The {@code swaggersocket sign} command. It signs one request as docs/SIGNING.md specifies and
 * prints the headers to send with it, for curl and other clients that cannot sign themselves. It
 * sends nothing. Picocli fills one instance per run: not thread-safe.
 */
@Command(name = "sign", header = "sign a request (SWS1-HMAC-SHA256) and print the headers to send, for curl", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false,
        usageHelpWidth = 100,
        description = {"Signs one request with SWS1-HMAC-SHA256 (docs/SIGNING.md) and prints the headers to send with",
            "it, one 'Name: value' a line: the --header ones (they are signed, so send them as given), then",
            "Authorization, X-Sws-Date and X-Sws-Content-Sha256. The Host signed is the URL's host, with the",
            "port unless it is the scheme's default, as curl sends it. A signature is good for one request",
            "within the server's window (5 minutes by default): sign right before sending.", ""},
        footerHeading = "%n", footer = {"examples:",
            "  curl -H @<(swaggersocket sign --access-key ID --data-file pet.json POST \"$url\") \\",
            "       --data-binary @pet.json \"$url\"",
            "  eval \"curl $(swaggersocket sign --curl --access-key ID GET \"$url\") '$url'\""})
final class SignCommand implements Callable<Integer> {
    /** Where the secret key comes from when no {@code --secret-key-file} is given. */
    static final String SECRET_ENV = "SWAGGERSOCKET_SECRET_KEY";

    @Option(names = "--access-key", paramLabel = "ID", description = "the access key id")
    String accessKey;

    @Option(names = "--secret-key-file", paramLabel = "FILE",
            description = {"a file holding the secret key on one line; without it, the secret comes",
                "from the environment variable " + SECRET_ENV + " (never from the command line)"})
    Path secretKeyFile;

    @Option(names = "--header", paramLabel = "'Name: value'",
            description = "a header to send and sign, such as 'Content-Type: application/json' (repeatable)")
    List<String> header = new ArrayList<>();

    @Option(names = "--data-file", paramLabel = "FILE", description = "the body to send; without it, the request has no body")
    Path dataFile;

    @Option(names = "--curl", description = "print the headers as one line of quoted -H arguments for the shell")
    boolean curl;

    @Option(names = "--config", paramLabel = "FILE", description = "a YAML file of options (also SWAGGERSOCKET_CONFIG)")
    String config;

    @Parameters(index = "0", arity = "0..1", paramLabel = "METHOD", description = "the HTTP method, such as GET")
    String method;

    @Parameters(index = "1", arity = "0..1", paramLabel = "URL", description = "the http:// or https:// URL")
    String url;

    private final Main.Io io;
    private final Clock clock;

    SignCommand(Main.Io io) {
        this(io, Clock.systemUTC());
    }

    SignCommand(Main.Io io, Clock clock) {
        this.io = io;
        this.clock = clock;
    }

    /** The parsed command line; the secret is read later, by {@link #run}. */
    record Options(String accessKey, Path secretKeyFile, Map<String, String> headers, Path dataFile, boolean curl,
            String method, URI url) {
    }

    /** Runs {@code sign ARGS} with {@code env} and {@code clock}: for tests. */
    static int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
        Main.Io io = new Main.Io(out, err, env);
        picocli.CommandLine cl = Main.configure(new picocli.CommandLine(new SignCommand(io, clock)), io)
                .setCommandName("swaggersocket sign"); // as under the swaggersocket command
        try {
            cl.setDefaultValueProvider(Settings.of(cl.getCommandSpec(), args, env));
        } catch (picocli.CommandLine.ParameterException e) {
            err.println("swaggersocket sign: " + e.getMessage() + " (try --help)");
            return Main.USAGE;
        }
        return cl.execute(args.toArray(String[]::new));
    }

    @Override
    public Integer call() throws UsageException {
        Options options = options();
        if (options.secretKeyFile() == null && io.env().get(SECRET_ENV) == null) {
            throw new UsageException("--secret-key-file or the environment variable " + SECRET_ENV + " is required");
        }
        Map<String, String> lines;
        try {
            lines = sign(options, secret(options, io.env()), clock);
        } catch (IOException e) {
            io.err().println("swaggersocket sign: " + e.getMessage());
            return Main.FAILED;
        }
        if (options.curl()) {
            List<String> words = new ArrayList<>();
            lines.forEach((name, value) -> words.add("-H " + shellQuote(name + ": " + value)));
            io.out().println(String.join(" ", words));
        } else {
            lines.forEach((name, value) -> io.out().println(name + ": " + value));
        }
        return Main.OK;
    }

    static Options parse(List<String> args) throws UsageException {
        Main.Io io = new Main.Io(System.out, System.err, Map.of());
        return Main.parse(new SignCommand(io), args, Map.of()).options();
    }

    Options options() throws UsageException {
        if (accessKey == null) {
            throw new UsageException("--access-key is required");
        }
        try {
            RequestSigner.of(accessKey, "x"); // validates the id, naming what is wrong
        } catch (IllegalArgumentException e) {
            throw new UsageException("--access-key: " + e.getMessage());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h : header) {
            int colon = h.indexOf(':');
            String name = colon < 0 ? "" : h.substring(0, colon).strip();
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
            headers.put(name, h.substring(colon + 1).strip());
        }
        if (method == null || url == null) {
            throw new UsageException("expected METHOD and URL after the options but " + (method == null
                    ? "there are neither" : "there is only " + method));
        }
        if (method.isEmpty() || method.chars().anyMatch(c -> c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0)) {
            throw new UsageException("METHOD: expected an HTTP method such as GET but was \"" + method + "\"");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new UsageException("URL: not a valid URL: " + e.getMessage());
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new UsageException("URL: expected an http:// or https:// URL with a host but was " + uri.getScheme()
                    + "://" + (uri.getHost() == null ? "" : uri.getHost()));
        }
        return new Options(accessKey, secretKeyFile, Collections.unmodifiableMap(headers), dataFile, curl, method, uri);
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
