package io.swaggersocket.undertow;

import static io.swaggersocket.undertow.WireFrames.clientFrame;
import static io.swaggersocket.undertow.WireFrames.closePayload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.mux.MessageChannel;
import io.undertow.Handlers;
import io.undertow.Undertow;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server side of {@link RawWebSocketChannel} on a real socket, facing a scripted peer written
 * with blocking java.net I/O: pings, the close handshake both ways, protocol errors, a body cut
 * short, a reader that stalls (completion order, the queue's bound) and the close timeout.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RawWebSocketChannelTest {
    /** How long the test waits for any one event; far above what a busy machine needs. */
    private static final long WAIT_SECONDS = 20;

    private Undertow server;
    private int port;
    private final CompletableFuture<RawWebSocketChannel> accepted = new CompletableFuture<>();
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final List<byte[]> binaries = new ArrayList<>();
    private Socket peer;
    private InputStream peerIn;
    private OutputStream peerOut;

    @BeforeEach
    void start() throws Exception {
        server = Undertow.builder()
                .addHttpListener(0, "127.0.0.1")
                .setIoThreads(1)
                .setHandler(Handlers.path().addExactPath("/ws", exchange -> ServerUpgrade.accept(exchange, connection -> {
                    RawWebSocketChannel channel = RawWebSocketChannel.server(connection, 1 << 20, 1024);
                    channel.start(new Recorder());
                    accepted.complete(channel);
                })))
                .build();
        server.start();
        port = ((InetSocketAddress) server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @AfterEach
    void stop() throws Exception {
        if (peer != null) {
            peer.close();
        }
        accepted.thenAccept(RawWebSocketChannel::abort);
        server.stop();
    }

    /** Opens the peer's socket and upgrades it, checking the 101 against RFC 6455's example key. */
    private RawWebSocketChannel connect(int receiveBuffer) throws Exception {
        peer = new Socket();
        if (receiveBuffer > 0) {
            peer.setReceiveBufferSize(receiveBuffer);
        }
        peer.setSoTimeout((int) TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        peer.connect(new InetSocketAddress("127.0.0.1", port));
        peerIn = peer.getInputStream();
        peerOut = peer.getOutputStream();
        peerOut.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = peerIn.read();
            if (b < 0) {
                throw new EOFException("the server closed before its answer ended: " + head);
            }
            head.write(b);
        }
        String answer = head.toString(StandardCharsets.US_ASCII);
        assertTrue(answer.startsWith("HTTP/1.1 101"), answer);
        assertTrue(answer.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), answer);
        return accepted.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** One frame from the server: opcode and payload; the server never masks. */
    private record Frame(int opcode, byte[] payload) {
        int closeCode() {
            return (payload[0] & 0xFF) << 8 | (payload[1] & 0xFF);
        }

        String closeReason() {
            return new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
        }
    }

    private Frame readFrame() throws IOException {
        DataInputStream in = new DataInputStream(peerIn);
        int b0 = in.readUnsignedByte();
        int b1 = in.readUnsignedByte();
        assertEquals(0x80, b0 & 0xF0, "a final frame without reserved bits");
        assertEquals(0, b1 & 0x80, "the server does not mask");
        long length = b1 & 0x7F;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Frame(b0 & 0x0F, payload);
    }

    private String nextEvent() throws InterruptedException {
        String e = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(e, "no event within " + WAIT_SECONDS + " s");
        return e;
    }

    private void assertPeerSeesEof() throws IOException {
        assertEquals(-1, peerIn.read(), "expected the server to close the TCP connection");
    }

    @Test
    void answersAPingWithItsPayloadAndReportsIt() throws Exception {
        connect(0);
        peerOut.write(clientFrame(FrameEncoder.PING, "hi".getBytes(StandardCharsets.UTF_8)));
        Frame pong = readFrame();
        assertEquals(FrameEncoder.PONG, pong.opcode());
        assertEquals("hi", new String(pong.payload(), StandardCharsets.UTF_8));
        assertEquals("ping hi", nextEvent());
    }

    @Test
    void sendsFramesWithEmptyPayloads() throws Exception {
        RawWebSocketChannel channel = connect(0);
        CompletableFuture<Throwable> pinged = new CompletableFuture<>();
        channel.sendPing(ByteBuffer.allocate(0), pinged::complete);
        channel.sendBinary(ByteBuffer.allocate(0), MessageChannel.Callback.IGNORE);
        Frame ping = readFrame();
        assertEquals(FrameEncoder.PING, ping.opcode());
        assertEquals(0, ping.payload().length);
        assertNull(pinged.get(WAIT_SECONDS, TimeUnit.SECONDS));
        Frame empty = readFrame();
        assertEquals(FrameEncoder.BINARY, empty.opcode());
        assertEquals(0, empty.payload().length);
        peerOut.write(clientFrame(FrameEncoder.CLOSE, new byte[0]));
        Frame echo = readFrame();
        assertEquals(FrameEncoder.CLOSE, echo.opcode());
        assertEquals(0, echo.payload().length, "a close without a code is echoed without one");
        assertPeerSeesEof();
        assertEquals("close 1005 ", nextEvent());
    }

    @Test
    void deliversMessagesAndTheListenerOwnsThem() throws Exception {
        RawWebSocketChannel channel = connect(0);
        peerOut.write(WireFrames.concat(clientFrame(FrameEncoder.TEXT, "hello".getBytes(StandardCharsets.UTF_8)),
                clientFrame(FrameEncoder.BINARY, new byte[] {1, 2, 3})));
        assertEquals("text hello", nextEvent());
        assertEquals("binary 3", nextEvent());
        synchronized (binaries) {
            assertArrayEquals(new byte[] {1, 2, 3}, binaries.get(0));
        }
        assertEquals(peer.getLocalSocketAddress(), channel.remoteAddress());
    }

    @Test
    void echoesThePeersCloseAndReportsItOnce() throws Exception {
        RawWebSocketChannel channel = connect(0);
        peerOut.write(clientFrame(FrameEncoder.CLOSE, closePayload(4001, "bye")));
        Frame echo = readFrame();
        assertEquals(FrameEncoder.CLOSE, echo.opcode());
        assertEquals(4001, echo.closeCode());
        assertEquals("bye", echo.closeReason());
        assertPeerSeesEof();
        assertEquals("close 4001 bye", nextEvent());
        channel.socketClosed().get(WAIT_SECONDS, TimeUnit.SECONDS);
        channel.abort();
        channel.close(1000, "again");
        assertNull(events.poll(), "onClose is called once");
    }

    @Test
    void ourCloseIsAnsweredAndEndsTheConnectionAndLaterSendsFail() throws Exception {
        RawWebSocketChannel channel = connect(0);
        channel.close(1001, "going");
        Frame close = readFrame();
        assertEquals(1001, close.closeCode());
        assertEquals("going", close.closeReason());
        CompletableFuture<Throwable> late = new CompletableFuture<>();
        channel.sendBinary(ByteBuffer.allocate(1), late::complete);
        assertEquals("the WebSocket close was sent: nothing may follow it",
                late.get(WAIT_SECONDS, TimeUnit.SECONDS).getMessage());
        peerOut.write(clientFrame(FrameEncoder.CLOSE, closePayload(1001, "ok")));
        assertPeerSeesEof();
        assertEquals("close 1001 ok", nextEvent());
    }

    @Test
    void anUnmaskedFrameFromTheClientClosesWith1002() throws Exception {
        connect(0);
        peerOut.write(WireFrames.frame(true, 0, FrameEncoder.BINARY, false, 0, new byte[] {1}));
        Frame close = readFrame();
        assertEquals(FrameEncoder.CLOSE, close.opcode());
        assertEquals(1002, close.closeCode());
        assertEquals("expected a masked frame from the client but it was not masked", close.closeReason());
        assertPeerSeesEof(); // failing the connection does not wait for the peer's close
        assertEquals("close 1002 expected a masked frame from the client but it was not masked", nextEvent());
    }

    @Test
    void aMessageOverTheLimitClosesWith1009BeforeItsPayloadArrives() throws Exception {
        connect(0);
        byte[] header = {(byte) 0x82, (byte) (0x80 | 127), 0, 0, 0, 0, 0, 0x20, 0, 0, 1, 2, 3, 4}; // 2 MiB
        peerOut.write(header);
        Frame close = readFrame();
        assertEquals(1009, close.closeCode());
        assertEquals("expected a binary message of at most 1048576 bytes but it has 2097152 or more", close.closeReason());
        assertPeerSeesEof(); // failing the connection does not wait for the peer's close
        assertEquals("close 1009 " + close.closeReason(), nextEvent());
    }

    @Test
    void aFrameCutShortByTheTcpCloseIsNeverDeliveredAndIs1006() throws Exception {
        connect(0);
        byte[] whole = clientFrame(FrameEncoder.BINARY, new byte[1000]);
        peerOut.write(whole, 0, 600);
        peerOut.flush();
        peer.shutdownOutput();
        assertEquals("close 1006 the peer closed the TCP connection without a WebSocket close", nextEvent());
        synchronized (binaries) {
            assertTrue(binaries.isEmpty());
        }
    }

    @Test
    void sendsWaitForAStalledReaderThenAllArriveIntactAndInOrder() throws Exception {
        RawWebSocketChannel channel = connect(32 * 1024);
        int threads = 4;
        int perThread = 24;
        int size = 200 * 1024;
        AtomicInteger completed = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch sent = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int id = t;
            new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    ByteBuffer m = ByteBuffer.allocate(size);
                    m.putInt(id).putInt(i);
                    while (m.hasRemaining()) {
                        m.put((byte) (id * 31 + i));
                    }
                    channel.sendBinary(m.flip(), failure -> {
                        if (failure != null) {
                            failures.add(failure);
                        }
                        completed.incrementAndGet();
                    });
                }
                sent.countDown();
            }, "sender-" + t).start();
        }
        assertTrue(sent.await(WAIT_SECONDS, TimeUnit.SECONDS));
        // About 19 MB cannot fit in the two socket buffers while the peer reads nothing.
        assertTrue(completed.get() < threads * perThread, "sends complete only once the socket took them");
        int[] next = new int[threads];
        for (int n = 0; n < threads * perThread; n++) {
            Frame f = readFrame();
            assertEquals(FrameEncoder.BINARY, f.opcode());
            ByteBuffer b = ByteBuffer.wrap(f.payload());
            int id = b.getInt();
            int i = b.getInt();
            assertEquals(next[id]++, i, "messages of one sender stay in order");
            while (b.hasRemaining()) {
                if (b.get() != (byte) (id * 31 + i)) {
                    throw new AssertionError("message " + id + "/" + i + " corrupted at " + (b.position() - 1));
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (completed.get() < threads * perThread && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(threads * perThread, completed.get());
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void theQueueIsBoundedWhileTheSocketIsBlocked() throws Exception {
        RawWebSocketChannel channel = connect(32 * 1024);
        channel.sendBinary(ByteBuffer.allocate(16 << 20), MessageChannel.Callback.IGNORE); // fills the socket
        List<CompletableFuture<Throwable>> outcomes = new ArrayList<>();
        for (int i = 0; i < RawWebSocketChannel.MAX_QUEUED_FRAMES + 1; i++) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            outcomes.add(outcome);
            channel.sendBinary(ByteBuffer.allocate(1), outcome::complete);
        }
        Throwable refused = outcomes.get(outcomes.size() - 1).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertNotNull(refused);
        assertEquals("expected at most 1024 frames waiting for the socket but there are more: the peer does not read",
                refused.getMessage());
        channel.abort();
        for (int i = 0; i < outcomes.size() - 1; i++) {
            assertNotNull(outcomes.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS), "queued sends fail on abort");
        }
        assertEquals("close 1006 ", nextEvent());
    }

    @Test
    void aCloseThePeerNeverAnswersDropsTheConnectionAfterTheTimeout() throws Exception {
        RawWebSocketChannel channel = connect(0);
        long start = System.nanoTime();
        channel.close(1000, "done");
        assertEquals(1000, readFrame().closeCode());
        assertPeerSeesEof(); // after CLOSE_TIMEOUT_MILLIS: the read would time out after WAIT_SECONDS otherwise
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(RawWebSocketChannel.CLOSE_TIMEOUT_MILLIS));
        assertEquals("close 1006 ", nextEvent());
        assertTrue(channel.socketClosed().isDone());
    }

    private final class Recorder implements MessageChannel.Listener {
        @Override
        public void onText(String text) {
            events.add("text " + text);
        }

        @Override
        public void onBinary(ByteBuffer message) {
            synchronized (binaries) {
                binaries.add(WireFrames.bytes(message));
            }
            events.add("binary " + message.remaining());
        }

        @Override
        public void onPing(ByteBuffer payload) {
            events.add("ping " + new String(WireFrames.bytes(payload), StandardCharsets.UTF_8));
        }

        @Override
        public void onPong(ByteBuffer payload) {
            events.add("pong " + new String(WireFrames.bytes(payload), StandardCharsets.UTF_8));
        }

        @Override
        public void onClose(int code, String reason) {
            events.add("close " + code + " " + reason);
        }
    }
}
