package io.swaggersocket.cli;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.server.AccessPolicy;
import io.swaggersocket.server.BearerTokens;
import io.swaggersocket.server.ClientAuth;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.EventLimits;
import io.swaggersocket.server.PemTls;
import io.swaggersocket.server.SocketServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;

/**
 * The {@code swaggersocket server} command. It accepts agents' tunnels at {@code /tunnel} and
 * serves, on the same port, the ingress ({@code /agents/NAME/...}) and the admin API
 * ({@code /connections}, {@code /healthz}, {@code /metrics}), all behind credentials. Picocli
 * fills one instance per run: not thread-safe.
 *
 * <p>{@link #call} blocks until the process is stopped; a shutdown hook closes the server
 * gracefully and exits 0. {@link #start} is the part before the wait, for embedding and tests.
 */
@Command(name = "server", header = "run a tunnel server: agents dial it; ingress and admin API on the same port", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpWidth = 100,
        description = {"Accepts agents' tunnels at /tunnel and serves, on the same port:",
            "  ANY    /agents/NAME/PATH   the ingress: PATH goes through the tunnel to an agent named NAME",
            "                             (agents of one principal sharing a name take calls in turn)",
            "  GET    /connections        the connected agents; GET or DELETE /connections/ID for one",
            "  GET    /metrics            metrics in the Prometheus text format",
            "  POST   /access/reload      read the access file again (as SIGHUP does)",
            "  POST   /admin/drain        drain: /healthz 503, agents GOAWAY after ?handoff=SECONDS (2)",
            "  GET    /healthz            public: {\"status\":\"ok\"} or 503 {\"status\":\"draining\"}",
            "Every other request needs credentials: 'Authorization: Bearer TOKEN' or '?token=TOKEN', a",
            "signed request (swaggersocket sign), or a client certificate (--tls-client-ca); each is",
            "allowed only what its principal's grants in the access file say. Without an access file or",
            "a token, a token with full access is generated and printed once. SIGHUP reloads the access",
            "file; agents whose credentials are gone are disconnected (close code 4007). Stop with",
            "Ctrl-C or SIGTERM: calls in flight may finish for up to 30 s, then the status is 0.",
            "With --cluster-redis the server is one node of a cluster (docs/SCALE-OUT.md): agent names",
            "are claimed in Redis, calls for agents on other nodes are forwarded to their node's",
            "--internal-listen, and SIGTERM drains the node first (--drain-handoff).", ""},
        footerHeading = "%n", footer = {Main.EXIT_CODES, "",
            "Each option may also come from SWAGGERSOCKET_<OPTION> (SWAGGERSOCKET_LISTEN,",
            "SWAGGERSOCKET_TOKEN_FILE, ...) or the --config file; a flag beats the environment, which",
            "beats the file."})
final class ServerCommand implements Callable<Integer> {
    /** The default of --listen. */
    static final String DEFAULT_LISTEN = "127.0.0.1:8080";

    @Option(names = "--listen", paramLabel = "[HOST:]PORT", defaultValue = DEFAULT_LISTEN,
            description = "where to listen: PORT or :PORT for every interface, HOST:PORT for one ([::1]:8080 for IPv6), port 0 for any free one (default: ${DEFAULT-VALUE})")
    String listen;

    @Option(names = "--access-file", paramLabel = "FILE",
            description = "principals, credentials and grants in YAML (see README), or a plain file of tokens, one a line, each with full access")
    Path accessFile;

    @Option(names = "--tokens-file", paramLabel = "FILE", description = "the same as --access-file (kept for existing set-ups)")
    Path tokensFile;

    @Option(names = "--token", paramLabel = "TOKEN", split = Settings.LIST_SEPARATOR,
            description = "accept this token with full access (repeatable; visible in ps: prefer SWAGGERSOCKET_TOKEN or --token-file)")
    List<String> tokens = new ArrayList<>();

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "a file holding one token to accept with full access (read once, trimmed)")
    Path tokenFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "serve https and wss with this certificate chain (with --tls-key)")
    Path tlsCert;

    @Mixin
    TlsKeyOptions keyOptions = new TlsKeyOptions();

    @Mixin
    ClusterOptions clusterOptions = new ClusterOptions();

    @Mixin
    EventLimitOptions eventLimitOptions = new EventLimitOptions();

    @Option(names = "--tls-client-ca", paramLabel = "PEM",
            description = "ask clients for certificates issued by these CAs; a verified one names its principal by its subject CN (certificates: in the access file)")
    Path tlsClientCa;

    @Option(names = "--public-ingress", description = "let ingress calls in without credentials (agents and admin still need them)")
    boolean publicIngress;

    @Option(names = "--keep-redirects",
            description = "pass agents' Location headers on as they are, rather than putting /agents/NAME back in front of their paths")
    boolean keepRedirects;

    @Mixin
    LogOptions logs = new LogOptions();

    @Spec
    CommandSpec spec;

    private final Main.Io io;

    ServerCommand(Main.Io io) {
        this.io = io;
    }

    /** Runs {@code server ARGS} with the process's environment: for tests that used to call it directly. */
    static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, Map.of(), out, err);
    }

    /** Runs {@code server ARGS} with {@code env} as the environment. */
    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        List<String> all = new ArrayList<>();
        all.add("server");
        all.addAll(args);
        return Main.run(all, new Main.Io(out, err, env));
    }

    /** The parsed command line. */
    record Options(String host, int port, List<String> tokens, Path accessFile, Path tlsCert, Path tlsKey,
            Path tlsKeyPasswordFile, Path tlsClientCa, boolean publicIngress, boolean keepRedirects,
            ClusterOptions.Parsed cluster, EventLimits events) {
    }

    /** A started server; closing it stops the server gracefully. Thread-safe. */
    static final class Running implements AutoCloseable {
        private final SocketServer server;
        private final EventLog out;
        private final CountDownLatch closed = new CountDownLatch(1);
        /** Null on a single node. */
        private final ClusterOptions.Node directory;
        private final java.time.Duration handoff;

        private Running(SocketServer server, EventLog out, ClusterOptions.Node directory,
                java.time.Duration handoff) {
            this.server = server;
            this.out = out;
            this.directory = directory;
            this.handoff = handoff;
        }

        SocketServer server() {
            return server;
        }

        /** Waits until {@link #close()} has finished. */
        void awaitClosed() throws InterruptedException {
            closed.await();
        }

        /**
         * Reads the access file again (SIGHUP): prints what changed, or why the file was refused
         * while the old policy stays; says so when there is no file to read.
         */
        void reload() {
            try {
                int closed = server.reloadAccessPolicy();
                out.info("reloaded the access file" + (closed == 0 ? "" : "; closed " + closed
                        + (closed == 1 ? " connection" : " connections") + " whose access was revoked"));
            } catch (IllegalStateException e) {
                out.warn("nothing to reload: the server was not started with --access-file");
            } catch (IOException e) {
                out.warn("access file not reloaded, the previous policy stays: " + e.getMessage());
            }
        }

        /** Closes the server gracefully (calls in flight may finish) and says so; idempotent. */
        @Override
        public void close() {
            if (directory != null) {
                // A cluster node drains first: balancers see /healthz fail, agents move, calls finish.
                out.info("draining: agents get GOAWAY in " + handoff.toSeconds() + " s");
                try {
                    server.drain(handoff).toCompletableFuture().get(handoff.toMillis() + 35_000,
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    out.warn("drain did not finish: " + e + "; closing");
                }
            }
            server.close();
            if (directory != null) {
                directory.close();
            }
            synchronized (this) {
                if (closed.getCount() > 0) {
                    out.info("stopped");
                    closed.countDown();
                }
            }
        }
    }

    static Options parse(List<String> args) throws UsageException {
        return parse(args, Map.of());
    }

    static Options parse(List<String> args, Map<String, String> env) throws UsageException {
        Main.Io io = new Main.Io(System.out, System.err, env);
        ServerCommand command = Main.parse(new ServerCommand(io), args, env);
        return command.options(env);
    }

    @Override
    public Integer call() throws UsageException {
        Options options = options(io.env());
        logs.apply();
        EventLog log = EventLog.slf4j("swaggersocket.server");
        // SIGHUP is caught before the server says it listens: the JVM's own handling would end it.
        // One that comes while the server starts is kept and carried out once it runs.
        java.util.concurrent.atomic.AtomicReference<Running> started = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean early = new java.util.concurrent.atomic.AtomicBoolean();
        String hangupWarning = Hangup.onSignal(() -> {
            early.set(true);
            Running r = started.get();
            if (r != null && early.getAndSet(false)) {
                r.reload();
            }
        });
        Running running;
        try {
            running = start(options, ConnectionConfig.defaults(), log, io.out());
        } catch (IOException e) {
            io.err().println("swaggersocket server: " + e.getMessage());
            return Main.FAILED;
        }
        started.set(running);
        if (hangupWarning != null && options.accessFile() != null) {
            log.warn(hangupWarning);
        }
        if (early.getAndSet(false)) {
            running.reload();
        }
        Shutdown.onSignal("swaggersocket-server-shutdown", running::close);
        try {
            running.awaitClosed();
        } catch (InterruptedException e) {
            running.close();
            Thread.currentThread().interrupt();
        }
        return Main.OK;
    }

    /** The options checked and combined: the environment is {@code env} (for SWAGGERSOCKET_TOKEN). */
    Options options(Map<String, String> env) throws UsageException {
        HostPort at = HostPort.parse(listen);
        if (accessFile != null && tokensFile != null) {
            throw new UsageException("--access-file and --tokens-file are the same option: give one");
        }
        Path file = accessFile != null ? accessFile : tokensFile;
        List<String> all = new ArrayList<>(tokens);
        if (tokenFile != null) {
            all.add(Secrets.read("token-file", tokenFile));
        }
        if (file != null && spec != null && !spec.commandLine().getParseResult().hasMatchedOption("--token")
                && tokenFile == null) {
            all.clear(); // SWAGGERSOCKET_TOKEN, set for an agent in the same shell, yields to the access file
        }
        if (file != null && !all.isEmpty()) {
            throw new UsageException("--token and --access-file do not go together: list the token in the file");
        }
        if (!all.isEmpty()) {
            try {
                BearerTokens.of(all);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--token: " + e.getMessage()); // names the token's position, not its value
            }
        }
        keyOptions.check(tlsCert);
        if (tlsClientCa != null && tlsCert == null) {
            throw new UsageException("--tls-client-ca needs --tls-cert and --tls-key: client certificates come over TLS");
        }
        return new Options(at.host(), at.port(), List.copyOf(all), file, tlsCert, keyOptions.tlsKey,
                keyOptions.tlsKeyPasswordFile, tlsClientCa, publicIngress, keepRedirects, clusterOptions.check(),
                eventLimitOptions.check());
    }

    /** {@link #start(Options, ConnectionConfig, EventLog, PrintStream)} printing the events on {@code out}. */
    static Running start(Options options, ConnectionConfig config, PrintStream out) throws IOException {
        return start(options, config, EventLog.printing(out), out);
    }

    /**
     * Starts the server, prints a generated token (if there is one) on {@code out}, where no log
     * format or level can hide it, and logs the line with its addresses and one line per agent
     * that connects or leaves.
     *
     * @param config the connections' config: heartbeat, limits, grace period (tests shorten them)
     * @throws IOException with a message fit for the user: the port is taken, a file cannot be read
     */
    static Running start(Options options, ConnectionConfig config, EventLog log, PrintStream out) throws IOException {
        String generated = null;
        AccessPolicy policy;
        Path file = options.accessFile();
        if (file != null) {
            policy = AccessPolicy.read(file);
        } else {
            List<String> tokens = new ArrayList<>(options.tokens());
            if (tokens.isEmpty()) {
                generated = BearerTokens.newToken();
                tokens.add(generated);
            }
            policy = AccessPolicy.fullAccess(tokens);
        }
        SSLContext tls = options.tlsCert() == null ? null : PemTls.serverContext(options.tlsCert(), options.tlsKey(),
                TlsKeyOptions.password(options.tlsKeyPasswordFile()),
                options.tlsClientCa());
        SocketServer.Builder builder = SocketServer.builder()
                .bind(options.host(), options.port())
                .sslContext(tls)
                .accessPolicy(policy, file == null ? null : () -> AccessPolicy.read(file));
        if (options.tlsClientCa() != null) {
            builder.clientCertificates(ClientAuth.REQUESTED);
        }
        java.util.concurrent.atomic.AtomicReference<SocketServer> built = new java.util.concurrent.atomic.AtomicReference<>();
        ClusterOptions.Node directory = options.cluster() == null ? null
                : ClusterOptions.apply(options.cluster(), builder, built);
        SocketServer server = builder
                .connectionConfig(config)
                .ingress(true)
                .publicIngress(options.publicIngress())
                .rewriteRedirects(!options.keepRedirects())
                .adminApi(true)
                .eventLimits(options.events())
                .build();
        built.set(server);
        server.addListener(event -> describe(event, log));
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            if (directory != null) {
                directory.close();
            }
            throw e;
        }
        if (generated != null) {
            out.println("generated token (shown once; choose your own with --access-file or --token): " + generated);
        }
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        String http = (tls != null ? "https://" : "http://") + host + ":" + server.port();
        log.info("swaggersocket server listening: tunnel " + server.uri().getScheme() + "://" + host + ":"
                + server.port() + "/tunnel, ingress " + http + "/agents/{name}/"
                + (options.publicIngress() ? " (public)" : "")
                + ", admin " + http + "/connections"
                + (directory == null ? "" : "; cluster node " + options.cluster().nodeId() + ", internal "
                        + options.cluster().advertise()));
        return new Running(server, log, directory, directory == null ? null : options.cluster().handoff());
    }

    private static String address(java.net.SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    private static void describe(ConnectionEvent event, EventLog log) {
        String name = event.metadata() == null ? "" : event.metadata().path("name").asText("");
        String who = "agent " + (name.isEmpty() ? "(no name)" : name) + " (connection " + event.connectionId() + ")";
        switch (event.type()) {
            case RECEIVED -> {
                String from = address(event.connection().remoteAddress());
                String principal = event.connection().principal().map(java.security.Principal::getName).orElse(null);
                log.info(who + " connected from " + from + (principal == null ? "" : " with " + principal),
                        "event", "connected", "agent", name, "connection", event.connectionId(), "remote", from,
                        "principal", principal);
            }
            case CLOSED -> log.info(who + " disconnected", "event", "disconnected", "agent", name,
                    "connection", event.connectionId(), "reason", "closed");
            case FAILURE -> log.info(who + " lost: " + event.cause().getMessage(), "event", "disconnected",
                    "agent", name, "connection", event.connectionId(), "reason", event.cause().getMessage());
        }
    }
}
