package io.swaggersocket.testing;

import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.frame.ProtocolViolationException;
import io.swaggersocket.mux.MessageChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A scripted peer for protocol edge cases: it sends exactly the bytes a test gives it and records
 * everything that comes back, in order.
 */
public final class RawPeer implements MessageChannel.Listener {
    /** One thing the peer received. */
    public sealed interface Event {
    }

    public record Text(String text) implements Event {
    }

    public record Binary(ByteBuffer message) implements Event {
        public Frame frame() throws ProtocolViolationException {
            return new FrameCodec(16_777_215, 16_777_215).decode(message);
        }
    }

    public record Closed(int code, String reason) implements Event {
    }

    private final MessageChannel channel;
    private final BlockingQueue<Event> received = new LinkedBlockingQueue<>();

    public RawPeer(MessageChannel channel) {
        this.channel = channel;
        channel.start(this);
    }

    public void sendText(String text) {
        channel.sendText(text, MessageChannel.Callback.IGNORE);
    }

    public void send(Frame frame) {
        channel.sendBinary(FrameCodec.encode(frame), MessageChannel.Callback.IGNORE);
    }

    public void sendRaw(String hex) {
        channel.sendBinary(ByteBuffer.wrap(java.util.HexFormat.of().parseHex(hex.replace(" ", ""))),
                MessageChannel.Callback.IGNORE);
    }

    /** The next event, which must be of {@code type}; fails after 10 s. */
    public <T extends Event> T next(Class<T> type) throws InterruptedException {
        Event e = received.poll(10, TimeUnit.SECONDS);
        if (!type.isInstance(e)) {
            throw new AssertionError("expected a " + type.getSimpleName() + " but was " + e);
        }
        return type.cast(e);
    }

    /** The next frame received; fails if something else comes. */
    public Frame nextFrame() throws Exception {
        return next(Binary.class).frame();
    }

    @Override
    public void onText(String text) {
        received.add(new Text(text));
    }

    @Override
    public void onBinary(ByteBuffer message) {
        received.add(new Binary(message));
    }

    @Override
    public void onPing(ByteBuffer payload) {
    }

    @Override
    public void onPong(ByteBuffer payload) {
    }

    @Override
    public void onClose(int code, String reason) {
        received.add(new Closed(code, reason));
    }

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
