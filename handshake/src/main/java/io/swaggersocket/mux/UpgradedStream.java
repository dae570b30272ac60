package io.swaggersocket.mux;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpStatus;

/**
 * What {@link SocketConnection#upgrade} returns: the peer's response head and, when it switched
 * protocols ({@code 101}), the two directions of the upgraded byte stream. Each direction is used
 * by one thread at a time; the two may be used by two threads at once.
 *
 * <p>{@link #output()} sends DATA frames of at most the negotiated frame size, a frame when one is
 * full and on {@link OutputStream#flush() flush()}: flush after each message. Closing it ends this
 * side (END_STREAM); the peer reads end of stream. {@link #input()} reads the peer's bytes and ends
 * (-1) when the peer ends its side. {@link #close()} closes both; if the peer has not ended its
 * side by then, the stream is reset (CANCEL) and the peer's reads and writes fail. A graceful end:
 * close the output, read the input to its end, then close.
 */
public final class UpgradedStream implements Closeable {
    private final ClassicHttpResponse response;
    private final InputStream input;
    private final OutputStream output;

    UpgradedStream(ClassicHttpResponse response, InputStream input, OutputStream output) {
        this.response = response;
        this.input = input;
        this.output = output;
    }

    /** The response head; when it is not {@code 101}, it is an ordinary response with its body. */
    public ClassicHttpResponse response() {
        return response;
    }

    /** True if the peer answered {@code 101 Switching Protocols}. */
    public boolean isUpgraded() {
        return response.getCode() == HttpStatus.SC_SWITCHING_PROTOCOLS;
    }

    /**
     * The peer's bytes.
     *
     * @throws IllegalStateException if the upgrade was refused
     */
    public InputStream input() {
        requireUpgraded();
        return input;
    }

    /**
     * Our bytes to the peer.
     *
     * @throws IllegalStateException if the upgrade was refused
     */
    public OutputStream output() {
        requireUpgraded();
        return output;
    }

    /**
     * Stops reading the peer's side, resetting the stream (CANCEL) if the peer had not ended it;
     * otherwise ends ours if still open. Either way the stream is released.
     */
    @Override
    public void close() throws IOException {
        if (!isUpgraded()) {
            response.close();
            return;
        }
        input.close(); // first: a peer that has not ended its side gets a reset, not a clean end of ours
        try {
            output.close();
        } catch (IOException e) {
            // reset just now or before: nothing more to end
        }
    }

    private void requireUpgraded() {
        if (!isUpgraded()) {
            throw new IllegalStateException("the peer refused the upgrade with " + response.getCode()
                    + ": read response() instead");
        }
    }

    /** The upgraded bytes of a 101: its entity's content, or none if the peer ended its side at once. */
    static InputStream content(ClassicHttpResponse response) throws IOException {
        HttpEntity entity = response.getEntity();
        return entity == null ? InputStream.nullInputStream() : entity.getContent();
    }

    @Override
    public String toString() {
        return "UpgradedStream[" + response.getCode() + "]";
    }
}
