package io.swaggersocket.server;

import io.swaggersocket.mux.MessageChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.xnio.IoUtils;
import org.xnio.channels.StreamSinkChannel;

/**
 * Events as NDJSON on an HTTP response channel: one line at a time, written from the delivery
 * thread while the socket takes bytes, the rest by the channel's write listener on the I/O thread.
 * Thread-safe: every write happens under {@code this}; callbacks are called outside it.
 */
final class NdjsonSink implements EventSink {
    private final StreamSinkChannel channel;
    // Guarded by this.
    private ByteBuffer pending;
    private MessageChannel.Callback callback;
    private boolean closed;

    NdjsonSink(StreamSinkChannel channel) {
        this.channel = channel;
        channel.getWriteSetter().set(c -> writeSome());
    }

    @Override
    public int maxInFlight() {
        return 1; // one line at a time: the subscriber's queue holds the rest
    }

    @Override
    public void send(String json, MessageChannel.Callback done) {
        synchronized (this) {
            if (!closed && pending == null) {
                pending = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8));
                callback = done;
            } else {
                done.completed(new IOException(closed ? "the response is closed" : "a line is still being written"));
                return;
            }
        }
        writeSome();
    }

    private void writeSome() {
        MessageChannel.Callback done = null;
        IOException failure = null;
        synchronized (this) {
            if (pending == null) {
                channel.suspendWrites();
                return;
            }
            try {
                while (pending.hasRemaining()) {
                    if (channel.write(pending) == 0) {
                        channel.resumeWrites();
                        return;
                    }
                }
                if (!channel.flush()) {
                    channel.resumeWrites();
                    return;
                }
                channel.suspendWrites();
            } catch (IOException e) {
                failure = e;
                closed = true;
            }
            done = callback;
            pending = null;
            callback = null;
        }
        if (failure != null) {
            IoUtils.safeClose(channel);
        }
        done.completed(failure);
    }

    @Override
    public void close(int code, String reason) {
        MessageChannel.Callback dropped;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            dropped = callback;
            pending = null;
            callback = null;
        }
        if (code == 1000 || code == 1001) {
            try { // a clean end of the chunked body
                channel.shutdownWrites();
                channel.flush();
            } catch (IOException ignored) {
                // the client is gone: the close below is all there is to do
            }
        }
        IoUtils.safeClose(channel);
        if (dropped != null) {
            dropped.completed(new IOException("closed: " + reason));
        }
    }
}
