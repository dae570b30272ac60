package io.swaggersocket.cli;

import io.swaggersocket.client.AuthenticationException;
import io.swaggersocket.client.ClientState;
import io.swaggersocket.client.ClientStateEvent;
import io.swaggersocket.client.ForwardingHandler;
import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.auth.RequestSigner;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.HandshakeException;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLContext;

/**
 * The {@code swaggersocket agent} command. It dials a server, keeps the tunnel open (retrying
 * with backoff while the server is down, at start as later), and forwards every request the
 * server sends through it to local HTTP services with {@link ForwardingHandler}s, one per
 * {@code --forward} base path ({@link ForwardRouter}). Picocli fills one instance per run: not
 * thread-safe.
 *
 * <p>{@link #call} blocks until the process is stopped (a shutdown hook drains the tunnel and
 * exits 0) or the server refuses the agent for good (exit 3); {@link #start} is the part before
 * the wait, for embedding and tests.
 */
@Command(name = "agent", header = "dial a server and expose local HTTP services through the tunnel", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpWidth = 100,
        description = {"Dials the server and keeps the tunnel open, and forwards every request the server sends",
            "through it to the local HTTP services of --forward: the server's /agents/NAME/PATH reaches",
            "the --forward whose base path is the longest prefix of PATH, without that prefix. Logs a",
            "line whenever the tunnel connects, is lost or is retried. While the server cannot be",
            "reached (down, restarting) it retries for ever with backoff (1 s, x1.6, up to 30 s, +-20 %%).",
            "It exits (status 3) only when the server refuses it in a way waiting cannot fix: 401 (the",
            "credentials are wrong or revoked) or 403 (the name is outside its grants). SIGTERM or",
            "Ctrl-C drains the tunnel (calls in flight may finish) and exits 0.",
            "",
            "Credentials, from files or the environment (the command line shows in ps): a bearer token",
            "(--token-file, or " + Secrets.TOKEN_ENV + "), an access key that signs each upgrade",
            "(--access-key with --secret-key-file or " + Secrets.SECRET_KEY_ENV + "), or a TLS client",
            "certificate (--tls-cert and --tls-key).", ""},
        footerHeading = "%n", footer = {Main.EXIT_CODES, "",
            "Each option may also come from SWAGGERSOCKET_<OPTION> (SWAGGERSOCKET_SERVER,",
            "SWAGGERSOCKET_FORWARD=/api=http://127.0.0.1:8080,/ui=http://127.0.0.1:3000, ...) or the",
            "--config file; a flag beats the environment, which beats the file."})
final class AgentCommand implements Callable<Integer> {
    @Option(names = "--server", paramLabel = "URL", description = "the server's tunnel address, ws://HOST:PORT/tunnel or wss://...")
    String server;

    @Option(names = "--name", paramLabel = "NAME", description = "this agent's name: the server's ingress finds it by it")
    String name;

    @Option(names = "--forward", paramLabel = "[PATH=]URL", split = Settings.LIST_SEPARATOR,
            description = "a local service, http://HOST:PORT with an optional base path, served under PATH (/ when there is none); repeatable: --forward /api=http://127.0.0.1:8080 --forward /ui=http://127.0.0.1:3000. Other paths get 404.")
    List<String> forwards = new ArrayList<>();

    @Option(names = "--forward-max-connections", paramLabel = "N",
            defaultValue = "" + ForwardingHandler.DEFAULT_MAX_CONNECTIONS,
            description = "keep-alive connections to each --forward, at most (default: ${DEFAULT-VALUE}); more callers wait")
    String forwardMaxConnections;

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "serve the agent's metrics (Prometheus text, /metrics) on 127.0.0.1:PORT; 0 picks a free port; default: none")
    Integer metricsPort;

    @Option(names = "--keep-redirects",
            description = "pass --forward's Location headers on as they are, rather than making its own URLs (http://HOST:PORT/base/x) paths (/x)")
    boolean keepRedirects;

    @Mixin
    ClientCredentials credentials = new ClientCredentials();

    @Mixin
    ClientTlsOptions tls = new ClientTlsOptions();

    @Option(names = "--meta", paramLabel = "KEY=VALUE", split = Settings.LIST_SEPARATOR,
            description = "more metadata for the server's /connections (repeatable)")
    List<String> meta = new ArrayList<>();

    @Mixin
    LogOptions logs = new LogOptions();

    private final Main.Io io;

    AgentCommand(Main.Io io) {
        this.io = io;
    }

    /** The parsed command line. */
    record Options(URI server, String name, String token, Map<String, String> meta, List<ForwardRouter.Forward> forwards,
            boolean insecure, String accessKey, String secretKey, Path tlsCert, Path tlsKey, Path tlsKeyPasswordFile,
            Path tlsCa, int forwardMaxConnections, boolean keepRedirects, Integer metricsPort) {
        /** One forward at the root, without signing or client certificates: what tests and embedders mostly need. */
        Options(URI server, String name, String token, Map<String, String> meta, URI forward, boolean insecure) {
            this(server, name, token, meta, List.of(new ForwardRouter.Forward("", forward)), insecure, null, null, null,
                    null, null, null, ForwardingHandler.DEFAULT_MAX_CONNECTIONS, false, null);
        }

        @Override
        public String toString() { // never the secrets
            return "Options[server=" + server + ", name=" + name + ", forwards=" + forwards + "]";
        }
    }

    /** A connected agent; closing it closes the tunnel gracefully and stops reconnecting. Thread-safe. */
    static final class Running implements AutoCloseable {
        private final SocketClient client;
        /** Completes with the CLOSED event: a cause if the client gave up, none if it was closed. */
        private final CompletableFuture<ClientStateEvent> stopped;
        private final EventLog out;
        private final ForwardRouter router;
        private final Options options;

        private Running(SocketClient client, CompletableFuture<ClientStateEvent> stopped, EventLog out,
                ForwardRouter router, Options options) {
            this.router = router;
            this.options = options;
            this.client = client;
            this.stopped = stopped;
            this.out = out;
        }

        SocketClient client() {
            return client;
        }

        Options options() {
            return options;
        }

        EventLog log() {
            return out;
        }

        /** Waits until the client is closed; returns the cause if it gave up, {@code null} otherwise. */
        Throwable awaitStopped() throws InterruptedException {
            try {
                return stopped.get().cause();
            } catch (ExecutionException e) {
                throw new IllegalStateException("the stop future never fails", e);
            }
        }

        /** Closes the tunnel gracefully (calls in flight may finish) and says so; idempotent. */
        @Override
        public void close() {
            boolean open = !client.isClosed();
            client.close();
            router.close();
            if (open) {
                out.info("stopped", "event", "stopped"); // here, not from the listener: in a shutdown hook that may never run
            }
        }
    }

    /** Runs {@code agent ARGS} with an empty environment: for tests. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, Map.of(), out, err);
    }

    /** Runs {@code agent ARGS} with {@code env} as the environment. */
    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> all = new ArrayList<>();
        all.add("agent");
        all.addAll(args);
        return Main.run(all, new Main.Io(out, err, env));
    }

    static Options parse(List<String> args) throws UsageException {
        return parse(args, Map.of());
    }

    static Options parse(List<String> args, Map<String, String> env) throws UsageException {
        Main.Io io = new Main.Io(System.out, System.err, env);
        return Main.parse(new AgentCommand(io), args, env).options(env);
    }

    @Override
    public Integer call() throws UsageException, InterruptedException {
        Options options = options(io.env());
        logs.apply();
        EventLog log = EventLog.slf4j("swaggersocket.agent");
        Running running;
        try {
            running = start(options, ConnectionConfig.defaults(), ReconnectPolicy.defaults(), log);
        } catch (IOException e) {
            io.err().println("swaggersocket agent: " + e.getMessage());
            return Main.FAILED;
        }
        return new AgentSupervisor(running, ReconnectPolicy.defaults(), log, io.err(), true).run();
    }

    /** The options checked and combined; {@code env} gives the secret key and access key variables. */
    Options options(Map<String, String> env) throws UsageException {
        if (server == null) {
            throw new UsageException("--server is required (or " + Settings.envName("--server") + ")");
        }
        URI serverUri = uri("server", server);
        try {
            SocketClient.builder(serverUri); // validates it, naming what is wrong
        } catch (IllegalArgumentException e) {
            throw new UsageException("--server: " + e.getMessage().replaceFirst("^serverUri: ", ""));
        }
        if (name == null) {
            throw new UsageException("--name is required (or " + Settings.envName("--name") + ")");
        }
        if (name.isBlank()) {
            throw new UsageException("--name: expected a name but it is empty");
        }
        if (forwards.isEmpty()) {
            throw new UsageException("--forward is required (or " + Settings.envName("--forward") + ")");
        }
        List<ForwardRouter.Forward> parsed = new ArrayList<>();
        for (String f : forwards) {
            ForwardRouter.Forward forward = ForwardRouter.Forward.parse(f);
            if (parsed.stream().anyMatch(p -> p.prefix().equals(forward.prefix()))) {
                throw new UsageException("--forward: base path " + forward.shown() + " is given twice");
            }
            parsed.add(forward);
        }
        int maxConnections;
        try {
            maxConnections = Integer.parseInt(forwardMaxConnections);
            ForwardingHandler.builder(parsed.get(0).upstream()).maxConnections(maxConnections);
        } catch (NumberFormatException e) {
            throw new UsageException("--forward-max-connections: expected a number but was \"" + forwardMaxConnections + "\"");
        } catch (IllegalArgumentException e) {
            throw new UsageException("--forward-max-connections: " + e.getMessage());
        }
        if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
            throw new UsageException("--metrics-port: expected 0 to 65535 but was " + metricsPort);
        }
        ClientCredentials.Resolved secrets = credentials.resolve(env);
        tls.check(serverUri);
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String pair : meta) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--meta: expected KEY=VALUE but was \"" + pair + "\"");
            }
            String key = pair.substring(0, eq);
            if (key.equals("name")) {
                throw new UsageException("--meta: the name is given with --name");
            }
            metadata.put(key, pair.substring(eq + 1));
        }
        return new Options(serverUri, name, secrets.bearer(), Map.copyOf(metadata), List.copyOf(parsed), tls.insecure,
                secrets.accessKey(), secrets.secretKey(), tls.tlsCert, tls.keyOptions.tlsKey,
                tls.keyOptions.tlsKeyPasswordFile, tls.caCert, maxConnections, keepRedirects, metricsPort);
    }

    private static URI uri(String option, String value) throws UsageException {
        try {
            return new URI(value);
        } catch (URISyntaxException e) {
            throw new UsageException("--" + option + ": not a valid URL: " + e.getMessage());
        }
    }

    /**
     * {@link #start(Options, ConnectionConfig, ReconnectPolicy, EventLog)} and one first attempt,
     * printing the events on {@code out}: for tests and embedding.
     *
     * @throws IOException the first connect failed, with a message naming the server and why
     */
    static Running start(Options options, ConnectionConfig config, ReconnectPolicy reconnect, PrintStream out)
            throws IOException {
        Running running = start(options, config, reconnect, EventLog.printing(out));
        try {
            running.client().connect();
        } catch (IOException e) {
            running.close();
            throw new IOException(Diagnosis.explain(e, options.server()), e);
        }
        return running;
    }

    /**
     * Builds the client and its handlers, without connecting: call {@code client().connect()} (or
     * let {@link AgentSupervisor} retry it). Logs one line per state change: connecting, connected
     * with the connection id, lost or failed with the reason and when it retries, and stopped when
     * closed.
     *
     * @param config the connections' config (tests shorten the heartbeat)
     * @param reconnect the backoff after a loss (tests shorten it)
     * @throws IOException a TLS file cannot be read
     */
    static Running start(Options options, ConnectionConfig config, ReconnectPolicy reconnect, EventLog log)
            throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("name", options.name());
        metadata.putAll(options.meta());
        SocketClient.Builder builder = SocketClient.builder(options.server()).metadata(metadata)
                .connectionConfig(config).reconnect(reconnect);
        if (options.token() != null) {
            builder.header("Authorization", "Bearer " + options.token());
        }
        if (options.accessKey() != null) {
            builder.requestSigner(RequestSigner.of(options.accessKey(), options.secretKey()));
        }
        SSLContext ssl = ClientTlsOptions.context(options.insecure(), options.tlsCert(), options.tlsKey(),
                options.tlsKeyPasswordFile(), options.tlsCa());
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        ForwardRouter router;
        try {
            router = new ForwardRouter(options.forwards(), f -> ForwardingHandler.builder(f.upstream())
                    .maxConnections(options.forwardMaxConnections()).rewriteRedirects(!options.keepRedirects()).build());
        } catch (UsageException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (options.metricsPort() != null) {
            builder.serveMetrics(options.metricsPort());
        }
        SocketClient client;
        try {
            client = builder.build();
        } catch (java.io.UncheckedIOException e) {
            throw new IOException("--metrics-port " + options.metricsPort() + ": " + e.getCause().getMessage(), e.getCause());
        }
        client.metricsAddress().ifPresent(a -> log.info("agent metrics on http://" + a.getHostString() + ":" + a.getPort()
                + "/metrics", "event", "metrics"));
        client.serve(router);
        CompletableFuture<ClientStateEvent> stopped = new CompletableFuture<>();
        String forwards = options.forwards().stream()
                .map(f -> f.prefix().isEmpty() ? f.upstream().toString() : f.prefix() + "=" + f.upstream())
                .collect(java.util.stream.Collectors.joining(", "));
        client.addStateListener(event -> {
            describe(event, options.server(), forwards, log);
            if (event.state() == ClientState.CLOSED) {
                stopped.complete(event);
            }
        });
        return new Running(client, stopped, log, router, options);
    }

    /** Logs one state change; nothing for a failed attempt without a retry (the supervisor says why). */
    private static void describe(ClientStateEvent event, URI server, String forwards, EventLog log) {
        switch (event.state()) {
            case CONNECTING -> log.info("connecting to " + safe(server)
                    + (event.attempt() > 1 ? " (attempt " + event.attempt() + ")" : ""), "event", "connecting",
                    "attempt", event.attempt());
            case CONNECTED -> log.info("connected: connection " + event.connectionId() + ", forwarding to " + forwards,
                    "event", "connected", "connection", event.connectionId());
            case DISCONNECTED -> {
                if (event.retryDelay() != null) {
                    String what = event.connectionId() != null ? "lost connection " + event.connectionId()
                            : "attempt " + event.attempt() + " failed";
                    String reason = event.cause() == null ? "closed" : event.connectionId() != null
                            ? Diagnosis.lost(event.cause(), event.connectionId()) : Diagnosis.explain(event.cause(), server);
                    log.warn(what + ": " + reason + "; retrying in " + seconds(event.retryDelay()),
                            "event", event.connectionId() != null ? "disconnected" : "retry",
                            "connection", event.connectionId(), "reason", reason,
                            "retryInMillis", event.retryDelay().toMillis());
                }
            }
            case CLOSED -> {
                // "stopped" comes from Running.close(); a refusal, from the supervisor
            }
        }
    }

    /** The address without user info or query, which may hold secrets: fit for messages. */
    private static String safe(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static String seconds(Duration delay) {
        return String.format(Locale.ROOT, "%.1f s", delay.toMillis() / 1000.0);
    }
}
