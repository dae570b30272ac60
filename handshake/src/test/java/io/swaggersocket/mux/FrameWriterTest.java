package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** The write queue, stepped by hand: control frames go ahead of data, and little is ever in flight. */
class FrameWriterTest {
    private static final int FRAME = 1024;

    /** A channel that records sends and completes them only when the test says so. */
    private static final class ManualChannel implements MessageChannel {
        final List<String> sent = new ArrayList<>();
        final List<Callback> pending = new ArrayList<>();

        @Override
        public void start(Listener listener) {
        }

        @Override
        public void sendText(String text, Callback callback) {
        }

        @Override
        public void sendBinary(ByteBuffer message, Callback callback) {
            sent.add(describe(message));
            pending.add(callback);
        }

        @Override
        public void sendPing(ByteBuffer payload, Callback callback) {
            sent.add("PING");
            pending.add(callback);
        }

        @Override
        public void close(int code, String reason) {
            sent.add("CLOSE " + code);
        }

        @Override
        public void abort() {
        }

        @Override
        public SocketAddress remoteAddress() {
            return null;
        }

        void completeOldest() {
            pending.remove(0).completed(null);
        }

        private static String describe(ByteBuffer message) {
            try {
                Frame f = new FrameCodec(1 << 24, 1 << 24).decode(message);
                return f.type() + " " + f.streamId();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final ManualChannel channel = new ManualChannel();
    private final FrameWriter writer = new FrameWriter(channel, lock, lock.newCondition(), FRAME, e -> {
        throw new AssertionError(e);
    });

    private void enqueueData(int streamId) {
        lock.lock();
        try {
            writer.enqueueData(streamId, FrameCodec.encode(new Frame.Data(streamId, ByteBuffer.allocate(FRAME), false)));
        } finally {
            lock.unlock();
        }
    }

    @Test
    void controlFramesOvertakeQueuedDataAndAtMostFourFramesAreInFlight() {
        for (int i = 0; i < 10; i++) {
            enqueueData(1);
        }
        writer.flush();
        assertEquals(List.of("DATA 1", "DATA 1", "DATA 1", "DATA 1"), channel.sent);
        lock.lock();
        try {
            writer.enqueuePing(ByteBuffer.allocate(8));
            writer.enqueueControl(FrameCodec.encode(new Frame.WindowUpdate(0, 100)));
        } finally {
            lock.unlock();
        }
        writer.flush();
        assertEquals(4, channel.sent.size(), "nothing more while four frames are in flight");
        channel.completeOldest();
        assertEquals("PING", channel.sent.get(4));
        assertEquals("WINDOW_UPDATE 0", channel.sent.get(5), "small control frames fit beside the data in flight");
        channel.completeOldest();
        assertEquals("DATA 1", channel.sent.get(channel.sent.size() - 1));
    }

    @Test
    void theCloseWaitsBehindQueuedDataAndAPurgedStreamsDataNeverLeaves() {
        enqueueData(1);
        enqueueData(3);
        enqueueData(1);
        enqueueData(3);
        enqueueData(1);
        lock.lock();
        long purged;
        try {
            purged = writer.purge(3);
            writer.enqueueClose(1000, "drained");
            writer.enqueueControl(FrameCodec.encode(new Frame.WindowUpdate(0, 1))); // after the close: never sent
        } finally {
            lock.unlock();
        }
        assertEquals(2L * FRAME, purged);
        writer.flush();
        channel.completeOldest();
        channel.completeOldest();
        assertEquals(List.of("DATA 1", "DATA 1", "DATA 1", "CLOSE 1000"), channel.sent);
    }
}
