package io.swaggersocket.mux;

import java.io.IOException;
import java.io.InputStream;

/** A stream's received body. Read by one thread; closing it early cancels the stream. */
final class StreamInput extends InputStream {
    private final StreamBodies bodies;
    private final Stream stream;

    StreamInput(StreamBodies bodies, Stream stream) {
        this.bodies = bodies;
        this.stream = stream;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        return bodies.read(stream, b, off, len);
    }

    @Override
    public int available() {
        return bodies.available(stream);
    }

    @Override
    public void close() {
        bodies.closeInput(stream);
    }
}
