package io.swaggersocket.cli;

import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.events.DockerFilters;
import io.swaggersocket.events.EventSpec;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code swaggersocket watch} command: follows the server's event stream ({@code /events},
 * docs/EVENTS.md) and prints each event as one JSON line (or indented with {@code --pretty}),
 * filtered with docker's {@code --filter} syntax and DRP's {@code --register} specifiers.
 * Picocli fills one instance per run: not thread-safe.
 */
@Command(name = "watch", header = "print the server's events (agents connecting and leaving, applications' own)",
        mixinStandardHelpOptions = true, versionProvider = Main.Version.class, sortOptions = false, usageHelpWidth = 100,
        description = {"Opens the server's /events WebSocket and prints every event it sends, one JSON object a line",
            "(--pretty: indented). --filter takes docker's syntax (values of one key ORed, keys ANDed), --register",
            "DRP's specifiers TYPE.ACTION.KEY[.FILTER] (default *.*.*; see docs/EVENTS.md).",
            "",
            "After a lost connection it reconnects with backoff (1 s, x1.6, up to 30 s, +-20 %%) and resumes",
            "where it was (since and epoch), so that no event is printed twice or silently missed: when the",
            "server's history no longer reaches back far enough, or this watch fell behind, the server's gap",
            "event is printed like an event ({\"Type\":\"websocket\",\"Action\":\"gap\",...}) and a line on stderr",
            "says which events may be missing. It exits 1 when the first connect fails or --reconnect-attempts",
            "attempts in a row fail after a loss, 3 on 401 or 403 (one line on stderr says why).",
            "",
            "Credentials as the agent's: a bearer token (--token-file, or " + Secrets.TOKEN_ENV + "), an access",
            "key that signs the upgrade (--access-key with --secret-key-file or " + Secrets.SECRET_KEY_ENV + "),",
            "or a TLS client certificate.", ""},
        footerHeading = "%n", footer = {"Exit status: 0 stopped (Ctrl-C, SIGTERM); 1 the server cannot be reached (or"
            + " has no /events); 2 bad command line, or the server refused the request (400); 3 the server refused the"
            + " credentials (401, 403).", "",
            "Each option may also come from SWAGGERSOCKET_<OPTION> or the --config file; a flag beats the",
            "environment, which beats the file. Their commas belong to --register and --filter: a variable",
            "separates several of them with newlines, the file gives a list.",
            "", "Examples:",
            "  swaggersocket watch --server ws://127.0.0.1:8080 --token-file t --filter label=env=prod --pretty",
            "  swaggersocket watch --server wss://tunnel.example.com:8443 --register 'connections.create,delete.*'"})
final class WatchCommand implements Callable<Integer> {
    /** Seconds to open the socket, TLS and upgrade included. */
    static final int DEFAULT_CONNECT_TIMEOUT = 10;
    /** Seconds between pings; no answer for two of them ends the socket (then it reconnects). */
    static final int DEFAULT_PING_INTERVAL = 30;
    /** Failed reconnect attempts in a row, after a loss, before the watch gives up. */
    static final int DEFAULT_RECONNECT_ATTEMPTS = 10;

    @Option(names = "--server", paramLabel = "URL",
            description = "the server: ws://HOST:PORT or wss://... (the agent's /tunnel address works too: /events is used); another path is taken as it is")
    String server;

    @Option(names = "--filter", paramLabel = "KEY=VALUE", split = Settings.LINE_SPLIT,
            description = "docker-style: name=AGENT (or container=), event=ACTION, type=TYPE, principal=P, key=KEY, label=K or label=K=V; repeatable")
    List<String> filters = new ArrayList<>();

    @Option(names = "--register", paramLabel = "SPEC", split = Settings.LINE_SPLIT,
            description = "a specifier TYPE.ACTION.KEY[.FILTER] (docs/EVENTS.md); repeatable; default: *.*.*")
    List<String> registers = new ArrayList<>();

    @Option(names = "--pretty", description = "indented JSON (default: one JSON object a line)")
    boolean pretty;

    @Option(names = "--since", paramLabel = "SEQ",
            description = "start after event SEQ of the server's history (with --epoch: of that history; a gap event says when it is gone); default: live events only")
    Long since;

    @Option(names = "--epoch", paramLabel = "EPOCH", description = "the history --since counts in (an event's Epoch); default: the server's current one")
    String epoch;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_CONNECT_TIMEOUT,
            description = "to open the socket, TLS and upgrade included (default: ${DEFAULT-VALUE})")
    int connectTimeout;

    @Option(names = "--ping-interval", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_PING_INTERVAL,
            description = "ping the server this often; silent for two intervals: reconnect (default: ${DEFAULT-VALUE}; 0: never)")
    int pingInterval;

    @Option(names = "--reconnect-attempts", paramLabel = "N", defaultValue = "" + DEFAULT_RECONNECT_ATTEMPTS,
            description = "failed attempts in a row after a loss before giving up with status 1 (default: ${DEFAULT-VALUE})")
    int reconnectAttempts;

    @Mixin
    ClientCredentials credentials = new ClientCredentials();

    /** Read by {@link Settings} before parsing (its presence turns the environment and file on). */
    @Option(names = "--config", paramLabel = "FILE", description = "a YAML file of options (also SWAGGERSOCKET_CONFIG)")
    String config;

    @Mixin
    ClientTlsOptions tls = new ClientTlsOptions();

    private final Main.Io io;
    private volatile EventWatch running;

    WatchCommand(Main.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws UsageException, InterruptedException {
        EventWatch.Settings settings = settings(io.env());
        SSLContext ssl;
        try {
            ssl = tls.context();
        } catch (IOException e) {
            io.err().println("swaggersocket watch: " + e.getMessage());
            return Main.FAILED;
        }
        settings = new EventWatch.Settings(settings.events(), settings.registers(), settings.filters(), settings.pretty(),
                settings.credentials(), ssl, settings.connectTimeout(), settings.pingInterval(), settings.reconnect());
        EventWatch watch = new EventWatch(settings, new WatchCursor(since, epoch), io.out(), io.err());
        running = watch;
        Thread hook = Shutdown.onSignal("swaggersocket-watch-stop", watch::stop);
        try {
            return watch.run();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs
            }
        }
    }

    /** The options checked and combined, without the TLS context (read at start). */
    EventWatch.Settings settings(Map<String, String> env) throws UsageException {
        if (server == null) {
            throw new UsageException("--server is required (or " + Settings.envName("--server") + ")");
        }
        URI events = events(server);
        DockerFilters docker;
        try {
            docker = DockerFilters.fromArguments(filters);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--filter: " + e.getMessage());
        }
        List<String> specs = registers.isEmpty() ? List.of("*.*.*") : List.copyOf(registers);
        for (String spec : specs) {
            try {
                EventSpec.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--register: " + e.getMessage());
            }
        }
        if (since != null && since < 0) {
            throw new UsageException("--since: expected a sequence number, 0 or more, but was " + since);
        }
        if (epoch != null && since == null) {
            throw new UsageException("--epoch needs --since");
        }
        if (epoch != null && !Secrets.isWord(epoch)) {
            throw new UsageException("--epoch: expected an epoch id without spaces or control characters");
        }
        if (connectTimeout < 1 || connectTimeout > 3600) {
            throw new UsageException("--connect-timeout: expected 1 to 3600 seconds but was " + connectTimeout);
        }
        if (pingInterval < 0 || pingInterval > 3600) {
            throw new UsageException("--ping-interval: expected 0 to 3600 seconds but was " + pingInterval);
        }
        if (reconnectAttempts < 1) {
            throw new UsageException("--reconnect-attempts: expected 1 or more but was " + reconnectAttempts);
        }
        ClientCredentials.Resolved secrets = credentials.resolve(env);
        if (secrets.bearer() != null && secrets.accessKey() != null) {
            throw new UsageException("a token and --access-key do not go together: the server takes one Authorization");
        }
        tls.check(events);
        if (tls.insecure && (tls.tlsCert != null || tls.caCert != null)) {
            throw new UsageException("--insecure-skip-verify does not go with --tls-cert or --ca-cert");
        }
        return new EventWatch.Settings(events, specs, docker, pretty, secrets, null, Duration.ofSeconds(connectTimeout),
                Duration.ofSeconds(pingInterval), ReconnectPolicy.builder().maxAttempts(reconnectAttempts).build());
    }

    /**
     * The {@code /events} address for {@code --server}: ws and wss as they are (http and https
     * turned into them), and an empty path, {@code /} or the agent's {@code /tunnel} replaced by
     * {@code /events}, so that an agent's settings serve for a watch.
     */
    static URI events(String server) throws UsageException {
        URI uri;
        try {
            uri = new URI(server);
        } catch (URISyntaxException e) {
            throw new UsageException("--server: not a valid URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        scheme = switch (scheme) {
            case "ws", "http" -> "ws";
            case "wss", "https" -> "wss";
            default -> throw new UsageException("--server: expected ws://HOST:PORT or wss://HOST:PORT but was \""
                    + EventWatch.safeOrRaw(server) + "\"");
        };
        if (uri.getHost() == null) {
            throw new UsageException("--server: expected a host in \"" + EventWatch.safeOrRaw(server) + "\"");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new UsageException("--server: expected no user, query or fragment in the URL (credentials have their own options)");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (path.isEmpty() || path.equals("/") || path.replaceAll("/+$", "").equals("/tunnel")) {
            path = "/events";
        }
        return URI.create(scheme + "://" + uri.getRawAuthority() + path);
    }

    /** Stops a running watch (for tests); nothing before it started. */
    void stop() {
        EventWatch w = running;
        if (w != null) {
            w.stop();
        }
    }
}
