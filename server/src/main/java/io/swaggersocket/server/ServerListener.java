package io.swaggersocket.server;

import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.SslClientAuthMode;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;
import org.xnio.ssl.SslConnection;

/**
 * Immutable once {@link #open opened} (its methods may be called from any thread): the server's
 * listening socket and the XNIO worker of its own that runs it, with Undertow's options for every
 * HTTP connection. It knows nothing of the server's state: the server opens it and stops it from
 * its start() and close(), under its own lock where it needs one.
 */
final class ServerListener {
    /** Undertow's buffer size on a large heap: 16 KiB less room for TCP/IP headers. */
    private static final int BUFFER_SIZE = 16 * 1024 - 20;
    /**
     * The most bytes a request head may hold (Undertow's default: 1 MiB). Generous for a request
     * line, cookies and a signed request's headers; bounds what a caller makes the server buffer.
     */
    static final int MAX_HEAD_SIZE = 64 * 1024;

    private final XnioWorker worker;
    private final AcceptingChannel<? extends StreamConnection> channel;
    private final int port;

    private ServerListener(XnioWorker worker, AcceptingChannel<? extends StreamConnection> channel, int port) {
        this.worker = worker;
        this.channel = channel;
        this.port = port;
    }

    /**
     * Starts a worker, binds {@code host:port} and accepts connections into {@code routes}. On
     * failure, releases whatever it had set up before it throws.
     *
     * @param sslContext TLS on the listener, or null for plain HTTP
     * @param clientAuth whether TLS clients are asked for a certificate (with an SSL context only)
     * @param unboundedBodies true with an ingress: request bodies stream through whatever their size
     * @throws BindException naming {@code host:port} when the address is taken or cannot be bound
     * @throws IOException naming {@code host:port} when the worker cannot be started, or for any
     *         other failure (a runtime exception included)
     */
    static ServerListener open(String host, int port, SSLContext sslContext, ClientAuth clientAuth,
            ServerLimits limits, boolean unboundedBodies, HttpHandler routes) throws IOException {
        XnioWorker worker = null;
        DefaultByteBufferPool buffers = null;
        AcceptingChannel<? extends StreamConnection> channel = null;
        try {
            Xnio xnio = Xnio.getInstance(Undertow.class.getClassLoader());
            worker = xnio.createWorker(workerOptions());
            buffers = new DefaultByteBufferPool(true, BUFFER_SIZE, -1, 4);
            // Undertow's open listener behind one of ours, rather than Undertow.builder(): only so
            // can a connection's first request head have a deadline from its accept on.
            HttpOpenListener http = new HttpOpenListener(buffers, httpOptions(limits, unboundedBodies));
            FirstHeadDeadline firstHead = new FirstHeadDeadline(http, limits.requestHeadTimeout());
            http.setRootHandler(firstHead.root(routes));
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(host), port);
            OptionMap socketOptions = socketOptions(worker, sslContext, clientAuth);
            if (sslContext != null) {
                channel = new UndertowXnioSsl(xnio, OptionMap.create(Options.USE_DIRECT_BUFFERS, true), sslContext)
                        .createSslConnectionServer(worker, address,
                                ChannelListeners.<SslConnection>openListenerAdapter(firstHead), socketOptions);
            } else {
                channel = worker.createStreamConnectionServer(address,
                        ChannelListeners.<StreamConnection>openListenerAdapter(firstHead), socketOptions);
            }
            channel.resumeAccepts();
            return new ServerListener(worker, channel, ((InetSocketAddress) channel.getLocalAddress()).getPort());
        } catch (IOException | RuntimeException e) {
            IoUtils.safeClose(channel);
            if (worker != null) {
                worker.shutdownNow();
            }
            if (buffers != null) {
                buffers.close();
            }
            throw startFailure(host + ":" + port, e);
        }
    }

    /** The port the listening socket is bound to. */
    int port() {
        return port;
    }

    /** Closes the listening socket only: connections already accepted go on. */
    void closeListener() {
        IoUtils.safeClose(channel);
    }

    /**
     * Stops the worker, which closes the sockets still open, waiting up to {@code wait} for its
     * threads before it stops them at once.
     */
    void stopWorker(Duration wait) {
        worker.shutdown(); // closes the sockets still open
        try {
            if (!worker.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
        // The buffer pool is left to the garbage collector: a channel's close task may still run on a
        // worker thread that shutdownNow() did not wait for, and would find its buffer freed.
    }

    private static IOException startFailure(String where, Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                BindException b = new BindException("cannot listen on " + where + ": " + t.getMessage());
                b.initCause(t);
                return b;
            }
        }
        Throwable cause = e instanceof RuntimeException && e.getCause() instanceof IOException ? e.getCause() : e;
        return new IOException("cannot listen on " + where + ": " + cause, cause);
    }

    /**
     * Undertow's options for every HTTP connection: its waits before a request and the most a request
     * head may hold.
     */
    private static OptionMap httpOptions(ServerLimits limits, boolean unboundedBodies) {
        OptionMap.Builder b = OptionMap.builder()
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, true) // as Undertow.builder() sets it
                // Keep-alive: no request this long after the last response closes the connection. Not
                // UndertowOptions.IDLE_TIMEOUT: that one also cuts upgraded tunnels and ingress calls
                // that are quiet for as long. Undertow stops this timer for an upgraded connection, and
                // while a request runs.
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, millis(limits.idleTimeout()))
                // A head begun must be whole this long after its first bytes; later bytes do not push
                // the deadline back (a slowloris). Only closes: Undertow sends no 408.
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, millis(limits.requestHeadTimeout()))
                // Undertow answers a longer head 400 and closes (checked per buffer read, 16 KiB).
                .set(UndertowOptions.MAX_HEADER_SIZE, MAX_HEAD_SIZE);
        if (unboundedBodies) {
            // Ingress bodies stream through whatever their size (the agent judges it). Undertow fixes
            // the limit of a chunked body before any handler runs, so it is set here.
            b.set(UndertowOptions.MAX_ENTITY_SIZE, -1L);
        }
        return b.getMap();
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, d.toMillis());
    }

    private static OptionMap socketOptions(XnioWorker worker, SSLContext sslContext, ClientAuth clientAuth) {
        OptionMap.Builder b = OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, worker.getIoThreadCount())
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BALANCING_TOKENS, 1)
                .set(Options.BALANCING_CONNECTIONS, 2)
                .set(Options.BACKLOG, 1000);
        if (sslContext != null && clientAuth != ClientAuth.NONE) {
            b.set(Options.SSL_CLIENT_AUTH_MODE, clientAuth == ClientAuth.REQUIRED
                    ? SslClientAuthMode.REQUIRED : SslClientAuthMode.REQUESTED);
        }
        return b.getMap();
    }

    private static OptionMap workerOptions() {
        int ioThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
        return OptionMap.builder()
                .set(Options.WORKER_NAME, "swaggersocket-server")
                .set(Options.WORKER_IO_THREADS, ioThreads)
                // task threads only run authenticators (the protocol's handlers use the config's executor)
                .set(Options.WORKER_TASK_CORE_THREADS, ioThreads * 4)
                .set(Options.WORKER_TASK_MAX_THREADS, ioThreads * 4)
                .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
                .set(Options.CONNECTION_LOW_WATER, 1_000_000)
                .set(Options.TCP_NODELAY, true)
                .getMap();
    }
}
