package io.swaggersocket.undertow;

import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.handshake.Settings;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioIoThread;
import org.xnio.conduits.ConduitStreamSourceChannel;

/**
 * A {@link WebSocketTransport} that frames RFC 6455 itself over the raw XNIO connection Undertow
 * upgraded (plain TCP or TLS alike). Thread-safe: sends may come from any thread; listener
 * callbacks come from the connection's I/O thread, one at a time, {@code onClose} once and last.
 *
 * <p>Why not Undertow's {@code WebSocketChannel}: its receive path copies every message through
 * pooled buffers and unmasks a byte at a time (bulk transfer near 200 MB/s), and it hands every send
 * from another thread to the I/O thread, a wake-up per sequential call. Here the I/O thread reads
 * into one heap buffer and {@link FrameDecoder} unmasks eight bytes at a time straight into the
 * array the listener gets; {@link SocketWriter} writes from the sending thread while the socket
 * takes bytes.
 *
 * <p>Close: {@link #close} sends a close frame after what is queued and drops the connection once the
 * peer's close has arrived and ours is written, or after {@value #CLOSE_TIMEOUT_MILLIS} ms. A peer's
 * close is echoed. The listener is told the peer's code and reason; 1006 when the connection was
 * lost or aborted without a close frame from the peer; and the code this side sent (1002, 1007,
 * 1009) with the reason when the peer broke the protocol or a size limit.
 */
public final class RawWebSocketChannel implements WebSocketTransport {
    /** How long a close waits for the peer's before the connection is dropped. */
    public static final long CLOSE_TIMEOUT_MILLIS = 5_000;
    /** Frames that may wait for a blocked socket; SocketConnection keeps far fewer in flight. */
    static final int MAX_QUEUED_FRAMES = 1024;
    private static final int READ_BUFFER = 64 * 1024;
    /**
     * One read buffer per thread that reads (the I/O threads), not one per connection: 10,000 idle
     * agents would otherwise hold 640 MiB of empty buffers. The decoder consumes payload bytes as
     * they arrive, so all a connection keeps between reads is an incomplete frame header.
     */
    private static final ThreadLocal<ByteBuffer> READ_BUFFERS =
            ThreadLocal.withInitial(() -> ByteBuffer.allocate(READ_BUFFER));
    private static final byte[] NOTHING = new byte[0];
    /** Buffers read in one read event at most (1 MiB): see {@link #readable()}. */
    private static final int READS_PER_EVENT = 16;
    private static final int ABNORMAL = 1006;

    private final StreamConnection connection;
    private final FrameEncoder encoder;
    private final FrameDecoder decoder;
    private final SocketWriter writer;
    /** The bytes of an incomplete frame header (at most 14) left by the last read; I/O thread only. */
    private byte[] carried = NOTHING;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final AtomicBoolean closeSent = new AtomicBoolean();
    private final AtomicBoolean closeReported = new AtomicBoolean();
    private volatile Listener listener;
    private volatile boolean closeReceived;
    private volatile boolean closeWritten;
    private volatile int closeCode = ABNORMAL;
    private volatile String closeReason = "";

    private RawWebSocketChannel(StreamConnection connection, boolean client, long maxBinaryMessage, long maxTextMessage) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.encoder = new FrameEncoder(client);
        this.decoder = new FrameDecoder(!client, maxBinaryMessage, maxTextMessage, new Delivery());
        this.writer = new SocketWriter(connection.getSinkChannel(), MAX_QUEUED_FRAMES, this::writeFailed);
        // Undertow's server connection keeps its own close listener (its exchange listeners hang on
        // it): ours runs after it rather than replacing it.
        ChannelListener<? super StreamConnection> previous = connection.getCloseListener();
        connection.setCloseListener(c -> {
            if (previous != null) {
                previous.handleEvent(c);
            }
            socketGone();
        });
        if (!connection.isOpen()) {
            socketGone();
        }
    }

    /**
     * The server's side of a WebSocket over {@code connection}, upgraded after a 101 it sent: it
     * requires masked frames and sends unmasked ones.
     *
     * @param maxBinaryMessage the largest binary message accepted; larger closes with 1009
     * @param maxTextMessage the largest text (handshake) message accepted
     */
    public static RawWebSocketChannel server(StreamConnection connection, long maxBinaryMessage, long maxTextMessage) {
        return new RawWebSocketChannel(connection, false, maxBinaryMessage, maxTextMessage);
    }

    /** The client's side: it masks every frame it sends and refuses masked frames. */
    public static RawWebSocketChannel client(StreamConnection connection, long maxBinaryMessage, long maxTextMessage) {
        return new RawWebSocketChannel(connection, true, maxBinaryMessage, maxTextMessage);
    }

    /**
     * A channel whose size limits fit what {@code config} proposes in the handshake, as
     * {@link UndertowChannel#of} sets them.
     *
     * @param client true on the dialing side
     */
    public static RawWebSocketChannel of(StreamConnection connection, boolean client, ConnectionConfig config) {
        Settings s = config.settings();
        long maxBinary = FrameCodec.HEADER_LENGTH + Math.max(s.maxFrameSize(), s.maxHeaderSize());
        return new RawWebSocketChannel(connection, client, maxBinary, UndertowChannel.MAX_HANDSHAKE_MESSAGE);
    }

    @Override
    public void start(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        ConduitStreamSourceChannel source = connection.getSourceChannel();
        source.setReadListener(s -> readable());
        source.resumeReads();
        if (!connection.isOpen()) {
            reportClose();
        }
    }

    @Override
    public void sendText(String text, Callback callback) {
        send(FrameEncoder.TEXT, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), callback);
    }

    @Override
    public void sendBinary(ByteBuffer message, Callback callback) {
        send(FrameEncoder.BINARY, message, callback);
    }

    @Override
    public void sendPing(ByteBuffer payload, Callback callback) {
        if (payload.remaining() > 125) {
            throw new IllegalArgumentException("payload: " + payload.remaining() + " bytes is over a ping's 125");
        }
        writer.send(encoder.frame(FrameEncoder.PING, payload), true, false, callback);
    }

    private void send(int opcode, ByteBuffer payload, Callback callback) {
        writer.send(encoder.frame(opcode, payload), false, false, callback);
    }

    @Override
    public void close(int code, String reason) {
        if (!connection.isOpen() || !closeSent.compareAndSet(false, true)) {
            return;
        }
        sendClose(FrameEncoder.closePayload(code, reason), false);
    }

    /**
     * Sends our close frame, the last one; drops the connection once both closes are through, or
     * once ours is written when {@code fail} (RFC 6455 7.1.7: a broken peer is not waited for).
     */
    private void sendClose(ByteBuffer payload, boolean fail) {
        writer.send(encoder.frame(FrameEncoder.CLOSE, payload), false, true, failure -> {
            closeWritten = true;
            if (failure != null || closeReceived || fail) {
                drop();
            }
        });
        // A peer that never answers the close must not keep the connection forever.
        try {
            connection.getIoThread().executeAfter(() -> {
                if (connection.isOpen()) {
                    drop();
                }
            }, CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            drop(); // the worker is going away: so is the connection
        }
    }

    @Override
    public void abort() {
        drop();
    }

    @Override
    public SocketAddress remoteAddress() {
        return connection.getPeerAddress();
    }

    @Override
    public CompletableFuture<Void> socketClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "RawWebSocketChannel[" + connection.getPeerAddress() + "]";
    }

    private void drop() {
        IoUtils.safeClose(connection);
    }

    /**
     * The read listener, on the I/O thread: reads until the socket has nothing more, or
     * {@value #READS_PER_EVENT} buffers, then lets the I/O thread serve its other connections and
     * comes back ({@code wakeupReads}): one agent's bulk transfer must not starve the others.
     */
    private void readable() {
        ByteBuffer in = READ_BUFFERS.get();
        in.clear();
        in.put(carried);
        carried = NOTHING;
        try {
            readInto(in);
        } finally {
            if (in.position() > 0) { // compacted: what is left is an incomplete header
                carried = new byte[in.position()];
                in.flip().get(carried);
            }
        }
    }

    private void readInto(ByteBuffer in) {
        ConduitStreamSourceChannel source = connection.getSourceChannel();
        for (int reads = 0;; reads++) {
            if (reads == READS_PER_EVENT) {
                source.wakeupReads();
                return;
            }
            int n;
            try {
                n = source.read(in);
            } catch (IOException e) {
                lost("reading from the peer failed: " + e.getMessage());
                in.clear();
                return;
            }
            if (n == 0) {
                return;
            }
            if (n < 0) {
                source.suspendReads();
                lost("the peer closed the TCP connection without a WebSocket close");
                in.clear();
                return;
            }
            in.flip();
            try {
                decoder.decode(in);
            } catch (WebSocketProtocolException e) {
                protocolError(e);
            } finally {
                in.compact();
            }
        }
    }

    private void lost(String reason) {
        if (!closeReceived && closeReason.isEmpty()) {
            closeReason = reason;
        }
        drop();
    }

    private void protocolError(WebSocketProtocolException e) {
        if (closeReceived) {
            return;
        }
        closeCode = e.closeCode();
        closeReason = e.getMessage();
        if (closeSent.compareAndSet(false, true)) {
            sendClose(FrameEncoder.closePayload(e.closeCode(), e.getMessage()), true);
        } else {
            drop();
        }
    }

    private void writeFailed(IOException failure) {
        if (closeReason.isEmpty() && !closeReceived) {
            closeReason = "writing to the peer failed: " + failure.getMessage();
        }
        drop();
    }

    /** The connection is closed: fail what waits to be written, tell the listener. */
    private void socketGone() {
        writer.close(new IOException("the WebSocket to " + connection.getPeerAddress() + " is closed"));
        closed.complete(null);
        reportClose();
    }

    /** Tells the listener once, on the I/O thread so that it never overlaps a message being delivered. */
    private void reportClose() {
        Listener l = listener;
        if (l == null || connection.isOpen() || !closeReported.compareAndSet(false, true)) {
            return;
        }
        Runnable report = () -> l.onClose(closeCode, closeReason);
        XnioIoThread io = connection.getIoThread();
        if (Thread.currentThread() == io) {
            report.run();
            return;
        }
        try {
            io.execute(report);
        } catch (RejectedExecutionException e) {
            report.run(); // the worker is shut down: nothing else will call the listener
        }
    }

    /** What the decoder found, passed on to the listener (on the I/O thread). */
    private final class Delivery implements FrameDecoder.Sink {
        @Override
        public void text(String text) {
            listener.onText(text);
        }

        @Override
        public void binary(ByteBuffer message) {
            listener.onBinary(message);
        }

        @Override
        public void ping(ByteBuffer payload) {
            if (!closeSent.get()) {
                writer.send(encoder.frame(FrameEncoder.PONG, payload.duplicate()), true, false, Callback.IGNORE);
            }
            listener.onPing(payload);
        }

        @Override
        public void pong(ByteBuffer payload) {
            listener.onPong(payload);
        }

        @Override
        public void close(int code, String reason) {
            closeCode = code;
            closeReason = reason;
            closeReceived = true;
            if (closeSent.compareAndSet(false, true)) {
                // Echo the peer's code (RFC 6455 5.5.1); a close without one is answered without one.
                sendClose(code == FrameDecoder.NO_STATUS ? ByteBuffer.allocate(0) : FrameEncoder.closePayload(code, reason),
                        false);
            } else if (closeWritten) {
                drop();
            }
        }
    }
}
