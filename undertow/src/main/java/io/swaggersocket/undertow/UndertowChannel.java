package io.swaggersocket.undertow;

import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.Settings;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.MessageChannel;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.CloseMessage;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xnio.IoUtils;
import org.xnio.Pooled;

/**
 * A {@link MessageChannel} over one Undertow WebSocket, client or server side. Thread-safe: sends
 * may come from any thread; listener callbacks come from the socket's XNIO I/O thread, one at a
 * time, and must not block.
 *
 * <p>Every received message is copied out of Undertow's pooled buffers once, so the listener owns
 * it. Messages over the size limits close the socket with 1009. A close that the peer never
 * answers is turned into an abort after {@code closeTimeout}.
 */
public final class UndertowChannel implements WebSocketTransport {
    /** The largest handshake (text) message accepted: 64 KiB, room for generous metadata. */
    public static final int MAX_HANDSHAKE_MESSAGE = 64 * 1024;
    private static final long CLOSE_TIMEOUT_MILLIS = 5_000;

    private final WebSocketChannel socket;
    private final long maxBinaryMessage;
    private final long maxTextMessage;
    private final AtomicBoolean closeReported = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile Listener listener;
    private volatile int closeCode = CloseCode.ABNORMAL.code();
    private volatile String closeReason = "";
    /** Set while Undertow reads a real close frame; its made-up close for a dropped socket is not one. */
    private volatile boolean readingCloseFrame;

    /**
     * @param maxBinaryMessage the largest binary message accepted (a frame header plus the larger
     *        of the proposed maxFrameSize and maxHeaderSize)
     * @param maxTextMessage the largest text (handshake) message accepted
     */
    public UndertowChannel(WebSocketChannel socket, long maxBinaryMessage, long maxTextMessage) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.maxBinaryMessage = maxBinaryMessage;
        this.maxTextMessage = maxTextMessage;
        socket.addCloseTask(ws -> closed.complete(null));
        if (!socket.isOpen()) {
            closed.complete(null);
        }
    }

    /**
     * A channel whose size limits fit what {@code config} proposes in the handshake: a frame
     * header plus the larger of maxFrameSize and maxHeaderSize for binary messages, and
     * {@link #MAX_HANDSHAKE_MESSAGE} for text.
     */
    public static UndertowChannel of(WebSocketChannel socket, ConnectionConfig config) {
        Settings s = config.settings();
        return new UndertowChannel(socket, FrameCodec.HEADER_LENGTH + Math.max(s.maxFrameSize(), s.maxHeaderSize()),
                MAX_HANDSHAKE_MESSAGE);
    }

    /** The underlying Undertow socket. */
    public WebSocketChannel socket() {
        return socket;
    }

    @Override
    public void start(Listener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        socket.addCloseTask(closed -> reportClose());
        socket.getReceiveSetter().set(new Receiver());
        socket.resumeReceives();
        if (!socket.isOpen()) {
            reportClose();
        }
    }

    @Override
    public void sendText(String text, Callback callback) {
        WebSockets.sendText(text, socket, adapt(callback));
    }

    @Override
    public void sendBinary(ByteBuffer message, Callback callback) {
        WebSockets.sendBinary(message, socket, adapt(callback));
    }

    @Override
    public void sendPing(ByteBuffer payload, Callback callback) {
        WebSockets.sendPing(payload, socket, adapt(callback));
    }

    @Override
    public void close(int code, String reason) {
        if (!socket.isOpen() || socket.isCloseFrameSent()) {
            return;
        }
        WebSockets.sendClose(code, reason, socket, null);
        // A peer that never answers the close must not keep the socket forever.
        socket.getIoThread().executeAfter(() -> {
            if (socket.isOpen()) {
                abort();
            }
        }, CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void abort() {
        IoUtils.safeClose(socket);
    }

    @Override
    public SocketAddress remoteAddress() {
        return socket.getPeerAddress();
    }

    @Override
    public CompletableFuture<Void> socketClosed() {
        return closed;
    }

    private void reportClose() {
        Listener l = listener;
        if (l != null && closeReported.compareAndSet(false, true)) {
            l.onClose(closeCode, closeReason);
        }
    }

    private static WebSocketCallback<Void> adapt(Callback callback) {
        return new WebSocketCallback<>() {
            @Override
            public void complete(WebSocketChannel channel, Void context) {
                callback.completed(null);
            }

            @Override
            public void onError(WebSocketChannel channel, Void context, Throwable throwable) {
                callback.completed(throwable);
            }
        };
    }

    private static ByteBuffer copy(BufferedBinaryMessage message) {
        Pooled<ByteBuffer[]> pooled = message.getData();
        try {
            ByteBuffer[] parts = pooled.getResource();
            int total = 0;
            for (ByteBuffer part : parts) {
                total += part.remaining();
            }
            ByteBuffer out = ByteBuffer.allocate(total);
            for (ByteBuffer part : parts) {
                out.put(part);
            }
            return out.flip();
        } finally {
            pooled.free();
        }
    }

    private final class Receiver extends AbstractReceiveListener {
        @Override
        protected void onFullTextMessage(WebSocketChannel channel, BufferedTextMessage message) {
            listener.onText(message.getData());
        }

        @Override
        protected void onFullBinaryMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
            listener.onBinary(copy(message));
        }

        @Override
        protected void onFullPingMessage(WebSocketChannel channel, BufferedBinaryMessage message) throws IOException {
            listener.onPing(ByteBuffer.allocate(0));
            super.onFullPingMessage(channel, message); // answers with a pong and frees the buffers
        }

        @Override
        protected void onFullPongMessage(WebSocketChannel channel, BufferedBinaryMessage message) {
            message.getData().free();
            listener.onPong(ByteBuffer.allocate(0));
        }

        @Override
        protected void onFullCloseMessage(WebSocketChannel channel, BufferedBinaryMessage message) throws IOException {
            readingCloseFrame = true;
            try {
                super.onFullCloseMessage(channel, message); // parses it, calls onCloseMessage, echoes it
            } finally {
                readingCloseFrame = false;
            }
        }

        @Override
        protected void onCloseMessage(CloseMessage message, WebSocketChannel channel) {
            // When the TCP stream ends without a close frame, Undertow hands us a close message it
            // made up (1001, "UT002046 ... peer went away"): that is a lost peer, 1006, not a
            // going-away. Only a close frame the peer really sent sets the code.
            if (readingCloseFrame) {
                closeCode = message.getCode();
                closeReason = message.getReason() == null ? "" : message.getReason();
            } else if (closeReason.isEmpty()) {
                closeReason = "the peer closed the TCP connection without a WebSocket close";
            }
        }

        @Override
        protected void onError(WebSocketChannel channel, Throwable error) {
            if (closeReason.isEmpty()) {
                closeReason = String.valueOf(error.getMessage());
            }
            super.onError(channel, error); // closes the socket; the close task reports it
        }

        @Override
        protected long getMaxBinaryBufferSize() {
            return maxBinaryMessage;
        }

        @Override
        protected long getMaxTextBufferSize() {
            return maxTextMessage;
        }
    }
}
