package io.swaggersocket.mux;

import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.frame.FrameCodec;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A stream's sent body, cut into DATA frames of at most the negotiated frame size. Written by one
 * thread. Bytes go straight into the frame array that is sent, so a body is copied once. A body of
 * known length ends with the frame that completes it; {@link #close()} ends any other body.
 */
final class StreamOutput extends OutputStream {
    private final StreamBodies bodies;
    private final Stream stream;
    private final int maxFrameSize;
    private final long declaredLength;

    private byte[] frame;
    private int count;
    private long written;
    private boolean ended;
    private boolean closed;

    StreamOutput(StreamBodies bodies, Stream stream, int maxFrameSize, long declaredLength) {
        this.bodies = bodies;
        this.stream = stream;
        this.maxFrameSize = maxFrameSize;
        this.declaredLength = declaredLength;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed || ended) {
            throw new IOException("stream " + stream.id + ": body already ended");
        }
        if (declaredLength >= 0 && written + len > declaredLength) {
            throw bodies.abort(stream, ErrorCode.INTERNAL_ERROR, "stream " + stream.id
                    + ": body is longer than its Content-Length " + declaredLength);
        }
        written += len;
        while (len > 0) {
            if (frame == null) {
                long left = declaredLength >= 0 ? declaredLength - (written - len) : maxFrameSize;
                frame = new byte[FrameCodec.HEADER_LENGTH + (int) Math.min(maxFrameSize, left)];
            }
            int n = Math.min(len, frame.length - FrameCodec.HEADER_LENGTH - count);
            System.arraycopy(b, off, frame, FrameCodec.HEADER_LENGTH + count, n);
            count += n;
            off += n;
            len -= n;
            boolean complete = declaredLength >= 0 && written == declaredLength && len == 0;
            if (complete || count == frame.length - FrameCodec.HEADER_LENGTH) {
                emit(complete);
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (count > 0 && !ended) {
            emit(false);
        }
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (ended) {
            return;
        }
        if (declaredLength >= 0 && written < declaredLength) {
            throw bodies.abort(stream, ErrorCode.INTERNAL_ERROR, "stream " + stream.id + ": body ended after "
                    + written + " of its Content-Length " + declaredLength + " bytes");
        }
        if (frame == null) {
            frame = new byte[FrameCodec.HEADER_LENGTH];
        }
        emit(true);
    }

    private void emit(boolean endStream) throws IOException {
        byte[] f = frame;
        int n = count;
        frame = null;
        count = 0;
        if (endStream) {
            ended = true;
        }
        bodies.sendData(stream, f, n, endStream);
    }
}
