package io.swaggersocket.examples.cli;

import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.server.AccessPolicy;
import io.swaggersocket.server.BearerTokens;
import io.swaggersocket.server.ClientAuth;
import io.swaggersocket.server.ConnectionEvent;
import io.swaggersocket.server.PemTls;
import io.swaggersocket.server.SocketServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import javax.net.ssl.SSLContext;

/**
 * Thread-safe (stateless): the {@code swaggersocket server} command. It accepts agents' tunnels at
 * {@code /tunnel} and serves, on the same port, the ingress ({@code /agents/NAME/...}) and the
 * admin API ({@code /connections}, {@code /healthz}, {@code /metrics}), all behind bearer tokens.
 *
 * <p>{@link #run} blocks until the process is stopped; a shutdown hook closes the server
 * gracefully. {@link #start} is the part before the wait, for embedding and tests.
 */
public final class ServerCommand {
    static final String USAGE = String.join("\n",
            "usage: swaggersocket server --listen HOST:PORT [--access-file FILE | --token TOKEN...]",
            "                            [--tls-cert PEM --tls-key PEM [--tls-client-ca PEM]] [--public-ingress]",
            "                            [--keep-redirects]",
            "",
            "Accepts agents' tunnels at /tunnel and serves, on the same port:",
            "  ANY    /agents/NAME/PATH   the ingress: PATH goes through the tunnel to an agent named NAME",
            "                             (agents of one principal sharing a name take calls in turn)",
            "  GET    /connections        the connected agents; GET or DELETE /connections/ID for one",
            "  GET    /metrics            metrics in the Prometheus text format",
            "  POST   /access/reload      read the access file again (as SIGHUP does)",
            "  GET    /healthz            public: {\"status\":\"ok\"} or 503 {\"status\":\"draining\"}",
            "Every other request needs credentials: 'Authorization: Bearer TOKEN' or '?token=TOKEN', a",
            "signed request (swaggersocket sign), or a client certificate (--tls-client-ca); each is",
            "allowed only what its principal's grants in the access file say. Without an access file or",
            "a token, a token with full access is generated and printed once. SIGHUP reloads the access",
            "file; agents whose credentials are gone are disconnected (close code 4007). Stop with",
            "Ctrl-C: calls in flight may finish for up to 30 s.",
            "",
            "options:",
            "  --listen HOST:PORT     where to listen: 0.0.0.0:8080 for every interface, [::1]:8080 for IPv6,",
            "                         port 0 for any free one",
            "  --access-file FILE     principals, credentials and grants in YAML (see README), or a plain",
            "                         file of tokens, one a line, each with full access",
            "  --tokens-file FILE     the same as --access-file (kept for existing set-ups)",
            "  --token TOKEN          accept this token with full access (repeatable; visible in ps: prefer",
            "                         the environment variable " + Secrets.TOKEN_ENV + " or a file)",
            "  --tls-cert PEM         serve https and wss with this certificate chain (with --tls-key)",
            "  --tls-key PEM          its private key: PKCS#8, PKCS#1 RSA or SEC1 EC, not encrypted",
            "  --tls-client-ca PEM    ask clients for certificates issued by these CAs; a verified one",
            "                         names its principal by its subject CN (certificates: in the access file)",
            "  --public-ingress       let ingress calls in without credentials (agents and admin still need them)",
            "  --keep-redirects       pass agents' Location headers on as they are, rather than putting",
            "                         /agents/NAME back in front of their paths",
            "  --help                 show this text");

    private ServerCommand() {
    }

    /** The parsed command line. */
    record Options(String host, int port, List<String> tokens, Path accessFile, Path tlsCert, Path tlsKey,
            Path tlsClientCa, boolean publicIngress, boolean keepRedirects) {
    }

    /** A started server; closing it stops the server gracefully. Thread-safe. */
    static final class Running implements AutoCloseable {
        private final SocketServer server;
        private final PrintStream out;
        private final CountDownLatch closed = new CountDownLatch(1);

        private Running(SocketServer server, PrintStream out) {
            this.server = server;
            this.out = out;
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
                out.println("reloaded the access file" + (closed == 0 ? "" : "; closed " + closed
                        + (closed == 1 ? " connection" : " connections") + " whose access was revoked"));
            } catch (IllegalStateException e) {
                out.println("nothing to reload: the server was not started with --access-file");
            } catch (IOException e) {
                out.println("access file not reloaded, the previous policy stays: " + e.getMessage());
            }
        }

        /** Closes the server gracefully (calls in flight may finish) and says so; idempotent. */
        @Override
        public void close() {
            server.close();
            synchronized (this) {
                if (closed.getCount() > 0) {
                    out.println("stopped");
                    closed.countDown();
                }
            }
        }
    }

    /**
     * Runs the command: 0 after a stop, 2 with a one-line reason on {@code err} for a bad command
     * line, 1 with a message when the server cannot start.
     */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), out, err);
    }

    /** {@link #run(List, PrintStream, PrintStream)} with the environment variables given. */
    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        Options options;
        try {
            if (args.contains("--help")) {
                out.println(USAGE);
                return 0;
            }
            options = parse(args, env);
        } catch (UsageException e) {
            err.println("swaggersocket server: " + e.getMessage() + " (try --help)");
            return 2;
        }
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
            running = start(options, ConnectionConfig.defaults(), out);
        } catch (IOException e) {
            err.println("swaggersocket server: " + e.getMessage());
            return 1;
        }
        started.set(running);
        if (hangupWarning != null && options.accessFile() != null) {
            err.println("swaggersocket server: " + hangupWarning);
        }
        if (early.getAndSet(false)) {
            running.reload();
        }
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "swaggersocket-server-shutdown"));
        try {
            running.awaitClosed();
        } catch (InterruptedException e) {
            running.close();
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    static Options parse(List<String> args) throws UsageException {
        return parse(args, Map.of());
    }

    static Options parse(List<String> args, Map<String, String> env) throws UsageException {
        CliArgs a = CliArgs.parse(args, Set.of("listen", "token", "tokens-file", "access-file", "tls-cert", "tls-key",
                "tls-client-ca"), Set.of("token"), Set.of("public-ingress", "keep-redirects"));
        String listen = a.required("listen");
        int colon = listen.lastIndexOf(':');
        if (colon <= 0 || colon == listen.length() - 1) {
            throw new UsageException("--listen: expected HOST:PORT but was \"" + listen + "\"");
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new UsageException("--listen: put an IPv6 address in brackets, as [::1]:8080");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw new UsageException("--listen: expected a port in [0, 65535] but was \"" + listen.substring(colon + 1)
                    + "\"");
        }
        if (a.has("access-file") && a.has("tokens-file")) {
            throw new UsageException("--access-file and --tokens-file are the same option: give one");
        }
        String accessFile = a.has("access-file") ? a.value("access-file") : a.value("tokens-file");
        List<String> tokens = new ArrayList<>(a.all("token"));
        if (accessFile != null && !tokens.isEmpty()) {
            throw new UsageException("--token and --access-file do not go together: list the token in the file");
        }
        String fromEnv = Secrets.env(env, Secrets.TOKEN_ENV);
        if (accessFile == null && tokens.isEmpty() && fromEnv != null) {
            tokens.add(fromEnv);
        }
        if (!tokens.isEmpty()) {
            try {
                BearerTokens.of(tokens);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--token: " + e.getMessage()); // names the token's position, not its value
            }
        }
        if (a.has("tls-cert") != a.has("tls-key")) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        if (a.has("tls-client-ca") && !a.has("tls-cert")) {
            throw new UsageException("--tls-client-ca needs --tls-cert and --tls-key: client certificates come over TLS");
        }
        return new Options(host, port, List.copyOf(tokens), path(accessFile), path(a.value("tls-cert")),
                path(a.value("tls-key")), path(a.value("tls-client-ca")), a.has("public-ingress"),
                a.has("keep-redirects"));
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }

    /**
     * Starts the server and prints, on {@code out}, a generated token if there is one, the line with
     * its addresses, and one line per agent that connects or leaves.
     *
     * @param config the connections' config: heartbeat, limits, grace period (tests shorten them)
     * @throws IOException with a message fit for the user: the port is taken, a file cannot be read
     */
    static Running start(Options options, ConnectionConfig config, PrintStream out) throws IOException {
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
        SSLContext tls = options.tlsCert() == null ? null : options.tlsClientCa() == null
                ? PemTls.serverContext(options.tlsCert(), options.tlsKey())
                : PemTls.serverContext(options.tlsCert(), options.tlsKey(), options.tlsClientCa());
        SocketServer.Builder builder = SocketServer.builder()
                .bind(options.host(), options.port())
                .sslContext(tls)
                .accessPolicy(policy, file == null ? null : () -> AccessPolicy.read(file));
        if (options.tlsClientCa() != null) {
            builder.clientCertificates(ClientAuth.REQUESTED);
        }
        SocketServer server = builder
                .connectionConfig(config)
                .ingress(true)
                .publicIngress(options.publicIngress())
                .rewriteRedirects(!options.keepRedirects())
                .adminApi(true)
                .build();
        server.addListener(event -> out.println(describe(event)));
        server.start();
        if (generated != null) {
            out.println("generated token (shown once; choose your own with --access-file or --token): " + generated);
        }
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        String http = (tls != null ? "https://" : "http://") + host + ":" + server.port();
        out.println("swaggersocket server listening: tunnel " + server.uri().getScheme() + "://" + host + ":"
                + server.port() + "/tunnel, ingress " + http + "/agents/{name}/"
                + (options.publicIngress() ? " (public)" : "")
                + ", admin " + http + "/connections");
        return new Running(server, out);
    }

    private static String address(java.net.SocketAddress address) {
        if (address instanceof java.net.InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    private static String describe(ConnectionEvent event) {
        String name = event.metadata() == null ? "" : event.metadata().path("name").asText("");
        String who = "agent " + (name.isEmpty() ? "(no name)" : name) + " (connection " + event.connectionId() + ")";
        return switch (event.type()) {
            case RECEIVED -> who + " connected from " + address(event.connection().remoteAddress())
                    + event.connection().principal().map(p -> " with " + p.getName()).orElse("");
            case CLOSED -> who + " disconnected";
            case FAILURE -> who + " lost: " + event.cause().getMessage();
        };
    }
}
