package io.swaggersocket.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.impl.io.DefaultBHttpClientConnection;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;

/**
 * One HTTP/1.1 connection to the upstream: httpcore5's blocking codec over a socket of a
 * {@link SocketChannel}. The channel is what makes the connection cheap to check before reuse (one
 * non-blocking read tells a close by the upstream from a live idle connection, where a plain socket
 * would need a timed read) and makes a blocked read end when its thread is interrupted.
 *
 * <p>Used by one exchange at a time (the pool hands it out); {@link #abort} may come from any thread.
 */
final class UpstreamConnection {
    /** Limits on the upstream's response head: lines and fields, far above what services send. */
    private static final Http1Config HTTP1 = Http1Config.custom().setMaxLineLength(64 * 1024).setMaxHeaderCount(500)
            .setBufferSize(16 * 1024).build();

    final DefaultBHttpClientConnection http = new DefaultBHttpClientConnection(HTTP1);
    private final SocketChannel channel;
    private final ByteBuffer probe = ByteBuffer.allocate(1);
    /** When it went idle ({@link System#nanoTime}); guarded by the pool's lock. */
    long idleSince;
    /** The read timeout last set; only the exchange's thread touches it. */
    private Timeout readTimeout;
    /** Whether it served an exchange before the current one. */
    boolean reused;
    /** The socket {@link #http} is bound to (TLS or plain): an upgraded connection writes to it directly. */
    private Socket socket;

    private UpstreamConnection(SocketChannel channel) {
        this.channel = channel;
    }

    /** Opens connections to one upstream; immutable. */
    static final class Opener {
        private final String host;
        private final int port;
        private final SSLContext tls;
        private final int connectMillis;

        Opener(String host, int port, SSLContext tls, Duration connectTimeout) {
            this.host = host;
            this.port = port;
            this.tls = tls;
            this.connectMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis()));
        }

        /**
         * Connects (and for https shakes hands) within the connect timeout.
         *
         * @throws SocketTimeoutException when that took longer than the connect timeout
         */
        UpstreamConnection open() throws IOException {
            SocketChannel channel = SocketChannel.open();
            try {
                Socket socket = channel.socket();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(host, port), connectMillis);
                UpstreamConnection c = new UpstreamConnection(channel);
                if (tls == null) {
                    c.http.bind(socket);
                    c.socket = socket;
                } else {
                    SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(socket, host, port, true);
                    SSLParameters params = ssl.getSSLParameters();
                    params.setEndpointIdentificationAlgorithm("HTTPS");
                    ssl.setSSLParameters(params);
                    ssl.setSoTimeout(connectMillis);
                    ssl.startHandshake();
                    c.http.bind(ssl);
                    c.socket = ssl;
                }
                return c;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    /** As a socket read timeout: zero for none. */
    static Timeout timeout(Duration timeout) {
        return timeout.isZero() ? Timeout.INFINITE : Timeout.ofMilliseconds(Math.max(1, timeout.toMillis()));
    }

    /** Read timeout for what comes next; set only when it changes. */
    void timeout(Timeout timeout) {
        if (timeout != readTimeout) {
            http.setSocketTimeout(timeout);
            readTimeout = timeout;
        }
    }

    /**
     * Whether the upstream closed (or wrote to) this idle connection: either way it cannot carry a
     * request. A non-blocking read of one byte: 0 means nothing came, as it should be.
     */
    boolean isStale() {
        if (!http.isOpen() || !channel.isOpen()) {
            return true;
        }
        try {
            channel.configureBlocking(false);
            try {
                probe.clear();
                return channel.read(probe) != 0;
            } finally {
                channel.configureBlocking(true);
            }
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /**
     * The socket's own output, for the bytes after a {@code 101}: {@link #http} buffers nothing of
     * ours once its head is flushed.
     */
    java.io.OutputStream rawOutput() throws IOException {
        return socket.getOutputStream();
    }

    /** Ends our side (a FIN); over TLS, where a half-close is not possible, nothing. */
    void shutdownOutput() {
        if (!(socket instanceof SSLSocket)) {
            try {
                socket.shutdownOutput();
            } catch (IOException ignored) {
                // closed already: the upstream sees the end all the same
            }
        }
    }

    boolean isOpen() {
        return http.isOpen() && channel.isOpen();
    }

    /**
     * How many bytes the upstream has sent that wait in the socket's receive buffer (for TLS, still
     * encrypted), without blocking; 0 when none or when that cannot be told. With nothing there, the
     * next read would wait: the body relay then passes on what it holds instead of waiting with it.
     */
    int pending() {
        try {
            return channel.socket().getInputStream().available();
        } catch (IOException | RuntimeException e) {
            return 0; // closed or shut down: the next read says so
        }
    }

    /** Closes an idle connection with a graceful TCP close. */
    void close() {
        http.close(CloseMode.GRACEFUL);
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed all the same
        }
    }

    /** Closes at once, without a graceful TCP close (a reset), from any thread. */
    void abort() {
        http.close(CloseMode.IMMEDIATE);
        try {
            channel.close();
        } catch (IOException ignored) {
            // closed all the same
        }
    }

    @Override
    public String toString() {
        return "UpstreamConnection[" + channel + "]";
    }
}
