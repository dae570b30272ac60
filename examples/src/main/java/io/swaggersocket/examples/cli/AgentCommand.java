package io.swaggersocket.examples.cli;

import io.swaggersocket.client.AuthenticationException;
import io.swaggersocket.client.ClientStateEvent;
import io.swaggersocket.client.ForwardingHandler;
import io.swaggersocket.client.ReconnectPolicy;
import io.swaggersocket.client.SocketClient;
import io.swaggersocket.auth.RequestSigner;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.HandshakeException;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.server.PemTls;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Thread-safe (stateless): the {@code swaggersocket agent} command. It dials a server, keeps the
 * tunnel open (reconnecting with backoff), and forwards every request the server sends through it
 * to a local HTTP service with {@link ForwardingHandler}.
 *
 * <p>{@link #run} blocks until the process is stopped (a shutdown hook closes the client) or the
 * client gives up; {@link #start} is the part before the wait, for embedding and tests.
 */
public final class AgentCommand {
    static final String USAGE = String.join("\n",
            "usage: swaggersocket agent --server ws[s]://HOST:PORT/tunnel --name NAME --forward http://HOST:PORT",
            "                           [--token-file FILE | --access-key ID --secret-key-file FILE]",
            "                           [--tls-cert PEM --tls-key PEM] [--tls-ca PEM] [--meta KEY=VALUE]...",
            "                           [--forward-max-connections N] [--keep-redirects]",
            "",
            "Dials the server and keeps the tunnel open, reconnecting with backoff (1 s, x1.6, up to 30 s),",
            "and forwards every request the server sends through it to the local HTTP service at --forward:",
            "the server's /agents/NAME/PATH reaches --forward's PATH. Prints a line whenever the tunnel",
            "connects or is lost. If the server cannot be reached at start, refuses the credentials, or",
            "refuses the name (it is outside this agent's grants, or another principal's agents hold it),",
            "it exits with status 1 and says why.",
            "",
            "Credentials, from files or the environment (the command line shows in ps): a bearer token",
            "(--token-file, or " + Secrets.TOKEN_ENV + "), an access key that signs each upgrade",
            "(--access-key or " + Secrets.ACCESS_KEY_ENV + ", with --secret-key-file or " + Secrets.SECRET_KEY_ENV + "),",
            "or a TLS client certificate (--tls-cert and --tls-key).",
            "",
            "options:",
            "  --server URL             the server's tunnel address, ws://HOST:PORT/tunnel or wss://...",
            "  --name NAME              this agent's name: the server's ingress finds it by it",
            "  --forward URL            the local service, http://HOST:PORT with an optional base path",
            "  --forward-max-connections N",
            "                           keep-alive connections to --forward, at most (default "
                    + ForwardingHandler.DEFAULT_MAX_CONNECTIONS + "); more callers wait",
            "  --keep-redirects         pass --forward's Location headers on as they are, rather than",
            "                           making its own URLs (http://HOST:PORT/base/x) paths (/x)",
            "  --token-file FILE        a file holding the token (sent as Authorization: Bearer TOKEN)",
            "  --token TOKEN            the token itself (visible in ps: prefer --token-file)",
            "  --access-key ID          sign the upgrade with this access key id (SWS1-HMAC-SHA256)",
            "  --secret-key-file FILE   a file holding the access key's secret",
            "  --tls-cert PEM           present this client certificate chain (with --tls-key)",
            "  --tls-key PEM            its private key: PKCS#8, PKCS#1 RSA or SEC1 EC, not encrypted",
            "  --tls-ca PEM             trust the server certificates these CAs issued (a private CA)",
            "  --meta KEY=VALUE         more metadata for the server's /connections (repeatable)",
            "  --insecure-skip-verify   trust any wss certificate, the server's name unchecked (tests only)",
            "  --help                   show this text");

    private AgentCommand() {
    }

    /** The parsed command line. */
    record Options(URI server, String name, String token, Map<String, String> meta, URI forward, boolean insecure,
            String accessKey, String secretKey, Path tlsCert, Path tlsKey, Path tlsCa, int forwardMaxConnections,
            boolean keepRedirects) {
        /** Without signing or client certificates: what tests and embedders mostly need. */
        Options(URI server, String name, String token, Map<String, String> meta, URI forward, boolean insecure) {
            this(server, name, token, meta, forward, insecure, null, null, null, null, null,
                    ForwardingHandler.DEFAULT_MAX_CONNECTIONS, false);
        }

        @Override
        public String toString() { // never the secrets
            return "Options[server=" + server + ", name=" + name + ", forward=" + forward + "]";
        }
    }

    /** A connected agent; closing it closes the tunnel gracefully and stops reconnecting. Thread-safe. */
    static final class Running implements AutoCloseable {
        private final SocketClient client;
        /** Completes with the CLOSED event: a cause if the client gave up, none if it was closed. */
        private final CompletableFuture<ClientStateEvent> stopped;
        private final PrintStream out;

        private Running(SocketClient client, CompletableFuture<ClientStateEvent> stopped, PrintStream out) {
            this.client = client;
            this.stopped = stopped;
            this.out = out;
        }

        SocketClient client() {
            return client;
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
            if (open) {
                out.println("stopped"); // here, not from the listener: in a shutdown hook that may never run
            }
        }
    }

    /**
     * Runs the command: 0 after a stop, 2 with a one-line reason on {@code err} for a bad command
     * line, 1 with a message when the first connect fails or the client later gives up (the server
     * refused the token).
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
            err.println("swaggersocket agent: " + e.getMessage() + " (try --help)");
            return 2;
        }
        Running running;
        try {
            running = start(options, ConnectionConfig.defaults(), ReconnectPolicy.defaults(), out);
        } catch (IOException e) {
            err.println("swaggersocket agent: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(running::close, "swaggersocket-agent-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Throwable gaveUp;
        try {
            gaveUp = running.awaitStopped();
        } catch (InterruptedException e) {
            running.close();
            Thread.currentThread().interrupt();
            return 0;
        }
        if (gaveUp == null) {
            return 0;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: nothing to remove
        }
        err.println("swaggersocket agent: gave up: " + gaveUp.getMessage());
        return 1;
    }

    static Options parse(List<String> args) throws UsageException {
        return parse(args, Map.of());
    }

    static Options parse(List<String> args, Map<String, String> env) throws UsageException {
        CliArgs a = CliArgs.parse(args, Set.of("server", "name", "token", "token-file", "access-key",
                "secret-key-file", "tls-cert", "tls-key", "tls-ca", "meta", "forward", "forward-max-connections"), Set.of("meta"),
                Set.of("insecure-skip-verify", "keep-redirects"));
        URI server = uri("server", a.required("server"));
        try {
            SocketClient.builder(server); // validates it, naming what is wrong
        } catch (IllegalArgumentException e) {
            throw new UsageException("--server: " + e.getMessage());
        }
        String name = a.required("name");
        if (name.isBlank()) {
            throw new UsageException("--name: expected a name but it is empty");
        }
        URI forward = uri("forward", a.required("forward"));
        try {
            ForwardingHandler.builder(forward); // validates it, naming what is wrong
        } catch (IllegalArgumentException e) {
            throw new UsageException("--forward: " + e.getMessage());
        }
        int maxConnections = ForwardingHandler.DEFAULT_MAX_CONNECTIONS;
        if (a.has("forward-max-connections")) {
            String value = a.value("forward-max-connections");
            try {
                maxConnections = Integer.parseInt(value);
                ForwardingHandler.builder(forward).maxConnections(maxConnections);
            } catch (NumberFormatException e) {
                throw new UsageException("--forward-max-connections: expected a number but was \"" + value + "\"");
            } catch (IllegalArgumentException e) {
                throw new UsageException("--forward-max-connections: " + e.getMessage());
            }
        }
        String token = a.value("token");
        if (token != null && (token.isEmpty() || token.chars().anyMatch(c -> c <= ' ' || c == 127))) {
            throw new UsageException("--token: expected a token without spaces or control characters");
        }
        if (token != null && a.has("token-file")) {
            throw new UsageException("--token and --token-file do not go together");
        }
        if (a.has("token-file")) {
            token = Secrets.read("token-file", Path.of(a.value("token-file")));
        }
        String accessKey = a.has("access-key") ? a.value("access-key") : Secrets.env(env, Secrets.ACCESS_KEY_ENV);
        String secretKey = a.has("secret-key-file") ? Secrets.read("secret-key-file", Path.of(a.value("secret-key-file")))
                : Secrets.env(env, Secrets.SECRET_KEY_ENV);
        if (a.has("secret-key-file") && accessKey == null) {
            throw new UsageException("--secret-key-file needs --access-key");
        }
        if (a.has("access-key") && secretKey == null) {
            throw new UsageException("--access-key needs --secret-key-file or " + Secrets.SECRET_KEY_ENV);
        }
        if (accessKey != null && secretKey != null) {
            try {
                RequestSigner.of(accessKey, secretKey);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--access-key: " + e.getMessage());
            }
        } else {
            accessKey = null;
            secretKey = null;
        }
        if (token == null && accessKey == null) {
            token = Secrets.env(env, Secrets.TOKEN_ENV);
        }
        if (a.has("tls-cert") != a.has("tls-key")) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        if ((a.has("tls-cert") || a.has("tls-ca")) && !"wss".equals(server.getScheme())) {
            throw new UsageException("--tls-cert and --tls-ca need a wss:// --server");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (String pair : a.all("meta")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("--meta: expected KEY=VALUE but was \"" + pair + "\"");
            }
            String key = pair.substring(0, eq);
            if (key.equals("name")) {
                throw new UsageException("--meta: the name is given with --name");
            }
            meta.put(key, pair.substring(eq + 1));
        }
        return new Options(server, name, token, Map.copyOf(meta), forward, a.has("insecure-skip-verify"), accessKey,
                secretKey, path(a.value("tls-cert")), path(a.value("tls-key")), path(a.value("tls-ca")),
                maxConnections, a.has("keep-redirects"));
    }

    private static Path path(String value) {
        return value == null ? null : Path.of(value);
    }

    private static URI uri(String option, String value) throws UsageException {
        try {
            return new URI(value);
        } catch (URISyntaxException e) {
            throw new UsageException("--" + option + ": not a valid URL: " + e.getMessage());
        }
    }

    /**
     * Connects (one attempt: no retry before the first success), then keeps the tunnel open. Prints
     * one line on {@code out} per state change: connecting, connected with the connection id, lost
     * or failed with the reason and when it retries, and stopped when closed.
     *
     * @param config the connections' config (tests shorten the heartbeat)
     * @param reconnect the backoff after a loss (tests shorten it)
     * @throws IOException the first connect failed, with a message naming the server and why
     */
    static Running start(Options options, ConnectionConfig config, ReconnectPolicy reconnect, PrintStream out)
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
        if (options.insecure()) {
            if (options.tlsCert() != null || options.tlsCa() != null) {
                throw new IOException("--insecure-skip-verify does not go with --tls-cert or --tls-ca");
            }
            builder.sslContext(trustingEveryone());
        } else if (options.tlsCert() != null || options.tlsCa() != null) {
            builder.sslContext(PemTls.clientContext(options.tlsCert(), options.tlsKey(), options.tlsCa()));
        }
        SocketClient client = builder.build();
        client.serve(ForwardingHandler.builder(options.forward()).maxConnections(options.forwardMaxConnections())
                .rewriteRedirects(!options.keepRedirects()).build());
        CompletableFuture<ClientStateEvent> stopped = new CompletableFuture<>();
        String server = safe(options.server());
        client.addStateListener(event -> {
            String line = describe(event, server, options.forward());
            if (line != null) {
                out.println(line);
            }
            if (event.state() == io.swaggersocket.client.ClientState.CLOSED) {
                stopped.complete(event);
            }
        });
        try {
            client.connect();
        } catch (AuthenticationException e) {
            client.close();
            throw new IOException(e.status() == 403 ? "the server refused this agent: " + e.getMessage()
                    : "the server refused the credentials: " + e.getMessage(), e);
        } catch (HandshakeException e) {
            client.close();
            throw new IOException(e.closeCode() == CloseCode.HANDSHAKE_REFUSED
                    ? "the server refused this agent: " + e.getMessage()
                    : "cannot connect to " + server + ": " + e.getMessage(), e);
        } catch (IOException e) {
            client.close();
            throw new IOException("cannot connect to " + server + ": " + e.getMessage(), e);
        }
        return new Running(client, stopped, out);
    }

    /** The line for one state change, or {@code null} for none (a failed first attempt: start() reports it). */
    private static String describe(ClientStateEvent event, String server, URI forward) {
        return switch (event.state()) {
            case CONNECTING -> "connecting to " + server
                    + (event.attempt() > 1 ? " (attempt " + event.attempt() + ")" : "");
            case CONNECTED -> "connected: connection " + event.connectionId() + ", forwarding to " + forward;
            case DISCONNECTED -> {
                if (event.retryDelay() == null) {
                    yield null;
                }
                String what = event.connectionId() != null ? "lost connection " + event.connectionId()
                        : "attempt " + event.attempt() + " failed";
                yield what + ": " + (event.cause() == null ? "closed" : event.cause().getMessage())
                        + "; retrying in " + seconds(event.retryDelay());
            }
            case CLOSED -> null; // "stopped" comes from Running.close(); giving up, from run()
        };
    }

    /** The address without user info or query, which may hold secrets: fit for messages. */
    private static String safe(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static String seconds(Duration delay) {
        return String.format(Locale.ROOT, "%.1f s", delay.toMillis() / 1000.0);
    }

    /**
     * For --insecure-skip-verify: trusts every certificate and checks no name. An extended trust
     * manager, so that the JDK adds no host name check of its own.
     */
    private static SSLContext trustingEveryone() throws IOException {
        TrustManager everyone = new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {everyone}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }
}
