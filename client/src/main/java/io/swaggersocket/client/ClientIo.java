package io.swaggersocket.client;

import io.undertow.UndertowOptions;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import java.io.IOException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.ssl.XnioSsl;

/**
 * Thread-safe: the I/O resources one {@link SocketClient} owns, its XNIO worker (one daemon I/O
 * thread), buffer pool and TLS engine factory, and their release. Kept apart because the release
 * has a rule of its own: never wait for the I/O thread on that thread (the client may give up, and
 * be closed, from a callback there).
 */
final class ClientIo {
    private static final AtomicInteger CLIENT_IDS = new AtomicInteger();
    /** How long a release waits for the I/O thread to end (and close() for a socket's close handshake). */
    static final Duration WORKER_SHUTDOWN_WAIT = Duration.ofSeconds(5);
    private static final int BUFFER_SIZE = 16 * 1024;

    final XnioWorker worker;
    final DefaultByteBufferPool pool;
    /** Null for a {@code ws://} address. */
    final XnioSsl ssl;
    final OptionMap connectOptions;
    private final AtomicBoolean released = new AtomicBoolean();

    /**
     * Starts the I/O thread.
     *
     * @param sslContext for a {@code wss://} address; null takes {@link SSLContext#getDefault()}
     * @throws IllegalStateException if the worker cannot be started (nothing is left open)
     */
    ClientIo(boolean tls, SSLContext sslContext) {
        int n = CLIENT_IDS.incrementAndGet();
        this.pool = new DefaultByteBufferPool(true, BUFFER_SIZE);
        Xnio xnio = Xnio.getInstance(SocketClient.class.getClassLoader());
        try {
            this.worker = xnio.createWorker(OptionMap.builder()
                    .set(Options.WORKER_NAME, "swaggersocket-client-" + n)
                    .set(Options.WORKER_IO_THREADS, 1)
                    .set(Options.WORKER_TASK_CORE_THREADS, 1)
                    .set(Options.WORKER_TASK_MAX_THREADS, 1)
                    .set(Options.THREAD_DAEMON, true)
                    .getMap());
        } catch (IOException e) {
            pool.close();
            throw new IllegalStateException("cannot start the XNIO worker: " + e.getMessage(), e);
        }
        this.connectOptions = OptionMap.builder()
                .set(Options.TCP_NODELAY, true)
                .set(UndertowOptions.ENDPOINT_IDENTIFICATION_ALGORITHM, "HTTPS")
                .getMap();
        this.ssl = tls ? new UndertowXnioSsl(xnio, OptionMap.EMPTY, pool, sslContext != null ? sslContext : defaultSsl())
                : null;
    }

    /** Starts stopping the I/O thread without waiting; for giving up, which may happen on that thread. */
    void shutdown() {
        worker.shutdown();
    }

    /** Stops the I/O thread and waits for it (unless called on it), then frees the buffers; once. */
    void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        worker.shutdown();
        if (onIoThread()) {
            return;
        }
        try {
            if (!worker.awaitTermination(WORKER_SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            worker.shutdownNow();
        }
        pool.close();
    }

    /** True on this client's own I/O thread, where nothing may wait for it. */
    boolean onIoThread() {
        return Thread.currentThread() instanceof XnioIoThread io && io.getWorker() == worker;
    }

    private static SSLContext defaultSsl() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no default SSLContext: " + e.getMessage(), e);
        }
    }
}
