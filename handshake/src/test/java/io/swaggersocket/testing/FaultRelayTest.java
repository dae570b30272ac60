package io.swaggersocket.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FaultRelay} between plain sockets on 127.0.0.1. That bytes do not pass is checked by a read
 * that must time out; it cannot fail because the machine is slow, only pass late.
 */
@Timeout(60)
class FaultRelayTest {
    /** How long a read that must see nothing waits: only bounds the test, never its verdict. */
    private static final int NOTHING_MILLIS = 200;
    private static final int SOME_MILLIS = 10_000;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ServerSocket target = track(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    private final FaultRelay relay = track(new FaultRelay(target.getLocalPort()));

    FaultRelayTest() throws IOException {
        target.setSoTimeout(SOME_MILLIS);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /** A dialed connection and the target's end of it. */
    private record Pair(Socket near, Socket far) {
    }

    private Pair dial() throws IOException {
        Socket near = track(new Socket(InetAddress.getLoopbackAddress(), relay.port()));
        Socket far = track(target.accept());
        near.setSoTimeout(SOME_MILLIS);
        far.setSoTimeout(SOME_MILLIS);
        return new Pair(near, far);
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    private static byte[] read(Socket s, int n) throws IOException {
        byte[] out = s.getInputStream().readNBytes(n);
        assertEquals(n, out.length, "expected " + n + " bytes before the end of the stream");
        return out;
    }

    private static String readText(Socket s, int n) throws IOException {
        return new String(read(s, n), StandardCharsets.US_ASCII);
    }

    private static void assertNothingArrives(Socket s) throws IOException {
        s.setSoTimeout(NOTHING_MILLIS);
        assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read());
        s.setSoTimeout(SOME_MILLIS);
    }

    /** The end of a connection: EOF or a reset, as a far side sees it. */
    private static void assertEnded(Socket s) throws IOException {
        int b;
        try {
            b = s.getInputStream().read();
        } catch (SocketException reset) {
            return;
        }
        assertEquals(-1, b, "expected the end of the stream but a byte came");
    }

    private static CompletableFuture<Void> writeAsync(Socket s, byte[] bytes) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                s.getOutputStream().write(bytes);
                done.complete(null);
            } catch (IOException e) {
                done.completeExceptionally(e);
            }
        }, "fault-relay-test-writer");
        t.setDaemon(true);
        t.start();
        return done;
    }

    private static byte[] random(int n, long seed) {
        byte[] out = new byte[n];
        new Random(seed).nextBytes(out);
        return out;
    }

    @Test
    void bytesPassIntactBothWaysAndTheEndOfTheStreamFollows() throws Exception {
        Pair p = dial();
        byte[] up = random(4 << 20, 1);
        byte[] down = random(3 << 20, 2);
        CompletableFuture<Void> upSent = writeAsync(p.near(), up);
        CompletableFuture<Void> downSent = writeAsync(p.far(), down);
        assertArrayEquals(up, read(p.far(), up.length));
        assertArrayEquals(down, read(p.near(), down.length));
        upSent.get(SOME_MILLIS, TimeUnit.MILLISECONDS);
        downSent.get(SOME_MILLIS, TimeUnit.MILLISECONDS);
        p.near().shutdownOutput();
        assertEquals(-1, p.far().getInputStream().read());
        p.far().shutdownOutput();
        assertEquals(-1, p.near().getInputStream().read());
    }

    @Test
    void aStalledConnectionMovesNothingEitherWayAndHealDeliversItAllInOrder() throws Exception {
        Pair stalled = dial();
        Pair other = dial();
        assertEquals(2, relay.connections());
        relay.links().get(0).stall();
        send(stalled.near(), "held ");
        send(stalled.far(), "back");
        send(stalled.near(), "up");
        send(other.near(), "flows");
        assertEquals("flows", readText(other.far(), 5)); // the relay works; only the stalled link is held
        assertNothingArrives(stalled.far());
        assertNothingArrives(stalled.near());

        relay.links().get(0).heal();
        assertEquals("held up", readText(stalled.far(), 7));
        assertEquals("back", readText(stalled.near(), 4));
    }

    @Test
    void aStallOnTheRelayHoldsNewConnectionsAndEvenTheirEnd() throws Exception {
        relay.stall();
        Pair p = dial();
        send(p.near(), "x");
        p.near().shutdownOutput();
        assertNothingArrives(p.far()); // neither the byte nor the FIN
        relay.heal();
        assertEquals("x", readText(p.far(), 1));
        assertEquals(-1, p.far().getInputStream().read());
    }

    @Test
    void halfOpenStopsOneDirectionAndTheOtherFlows() throws Exception {
        relay.halfOpen(FaultRelay.Direction.TO_TARGET);
        Pair p = dial();
        send(p.far(), "down");
        assertEquals("down", readText(p.near(), 4));
        send(p.near(), "up");
        assertNothingArrives(p.far());
        relay.heal();
        assertEquals("up", readText(p.far(), 2));
    }

    @Test
    void cutResetsBothSidesOfEveryConnectionAndLaterOnesAreRelayed() throws Exception {
        Pair a = dial();
        Pair b = dial();
        send(a.near(), "1");
        assertEquals("1", readText(a.far(), 1));
        relay.cut();
        assertEquals(0, relay.connections());
        for (Pair p : List.of(a, b)) {
            assertEnded(p.near());
            assertEnded(p.far());
        }
        Pair c = dial();
        send(c.near(), "again");
        assertEquals("again", readText(c.far(), 5));
    }

    @Test
    void theBandwidthCapIsNeverExceeded() throws Exception {
        long rate = 1_000_000;
        relay.bandwidth(rate);
        Pair p = dial();
        byte[] bytes = random(250_000, 3);
        long start = System.nanoTime();
        CompletableFuture<Void> sent = writeAsync(p.near(), bytes);
        assertArrayEquals(bytes, read(p.far(), bytes.length));
        long tookNanos = System.nanoTime() - start;
        sent.get(SOME_MILLIS, TimeUnit.MILLISECONDS);
        long leastNanos = bytes.length * TimeUnit.SECONDS.toNanos(1) / rate;
        assertTrue(tookNanos >= leastNanos, "expected at least " + leastNanos / 1_000_000 + " ms for "
                + bytes.length + " bytes at " + rate + " B/s but was " + tookNanos / 1_000_000 + " ms");
    }

    @Test
    void aDelayHoldsEveryChunk() throws Exception {
        Duration delay = Duration.ofMillis(100);
        relay.delay(delay);
        Pair p = dial();
        long start = System.nanoTime();
        send(p.near(), "ping");
        assertEquals("ping", readText(p.far(), 4));
        send(p.far(), "pong");
        assertEquals("pong", readText(p.near(), 4));
        long took = System.nanoTime() - start;
        assertTrue(took >= 2 * delay.toNanos(), "expected a round trip of at least 200 ms but was "
                + took / 1_000_000 + " ms");
    }

    @Test
    void closeEndsEveryConnectionAndEveryThreadEvenWhenStalled() throws Exception {
        Pair a = dial();
        Pair b = dial();
        relay.stall(); // first: bytes sent before the stall may already be through, and reach the far end
        send(b.near(), "stuck");
        relay.close();
        String prefix = "fault-relay-" + relay.port() + "-";
        List<String> left = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).toList();
        assertEquals(List.of(), left);
        assertEquals(0, relay.connections());
        for (Pair p : List.of(a, b)) {
            assertEnded(p.near());
            assertEnded(p.far());
        }
    }
}
