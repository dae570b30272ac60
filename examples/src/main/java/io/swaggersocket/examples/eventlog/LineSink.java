package io.swaggersocket.examples.eventlog;

import java.io.IOException;

/** Where a stream's lines go: NDJSON over HTTP or WebSocket text messages. One thread writes. */
interface LineSink {
    /** Writes one line (its JSON, without the newline). */
    void line(StreamLine line) throws IOException;

    /** Sends what was written: after a chunk of a find, after each event of a live stream. */
    void flush() throws IOException;
}
