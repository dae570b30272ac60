package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.testing.ManualScheduler;
import io.swaggersocket.testing.MemoryPipe;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The heartbeat with the default settings, on a manual clock and scheduler stepped one wheel tick
 * at a time (the pipe settled between steps): who pings, how often, and how soon a dead or
 * half-open peer is found by each side. No sleeps, no wall clock.
 */
@Timeout(60)
class HeartbeatWheelTest {
    private static final Duration TICK = Duration.ofNanos(Heartbeat.tickNanos(io.swaggersocket.handshake.Settings.DEFAULT));
    private static final long TIMEOUT_MS = io.swaggersocket.handshake.Settings.DEFAULT.heartbeatTimeoutMillis();
    private static final long INTERVAL_MS = io.swaggersocket.handshake.Settings.DEFAULT.heartbeatIntervalMillis();

    private final ManualScheduler scheduler = new ManualScheduler();
    private final ConnectionConfig config = ConnectionConfig.builder().scheduler(scheduler)
            .nanoClock(scheduler.clock()).build();

    /** A pipe and the two connections over it, with the pings each side sent counted. */
    private final class Pair {
        final MemoryPipe pipe = new MemoryPipe();
        final Counting dialerChannel = new Counting(pipe.a());
        final Counting acceptorChannel = new Counting(pipe.b());
        final SocketConnection dialer;
        final SocketConnection acceptor;
        /** When the handshake ended: the last time either side received anything before the test acts. */
        final long startNanos;

        Pair() throws Exception {
            CompletableFuture<SocketConnection> accepted = SocketConnection.accept(acceptorChannel, "hb", null, config, null);
            dialer = SocketConnection.dial(dialerChannel, null, config, null).get(10, TimeUnit.SECONDS);
            acceptor = accepted.get(10, TimeUnit.SECONDS);
            pipe.settle();
            startNanos = scheduler.nanos();
        }

        /** Steps time one tick at a time for {@code d}, or until {@code side} is closed. */
        void run(Duration d, SocketConnection side) throws InterruptedException {
            long end = scheduler.nanos() + d.toNanos();
            while (scheduler.nanos() < end && (side == null || !closed(side))) {
                scheduler.advance(TICK);
                pipe.settle();
            }
        }

        long elapsedMillis() {
            return TimeUnit.NANOSECONDS.toMillis(scheduler.nanos() - startNanos);
        }
    }

    private static boolean closed(SocketConnection c) {
        return c.closeFuture().toCompletableFuture().isDone();
    }

    private static SocketClosedException closeCause(SocketConnection c) throws Exception {
        try {
            c.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
            throw new AssertionError("expected the connection to fail but it closed normally");
        } catch (ExecutionException e) {
            return assertInstanceOf(SocketClosedException.class, e.getCause());
        }
    }

    private static void assertFoundDeadInTime(Pair pair, SocketConnection side) throws Exception {
        pair.run(Duration.ofMillis(TIMEOUT_MS * 2), side);
        assertTrue(closed(side), side + " still open after " + pair.elapsedMillis() + " ms");
        SocketClosedException dead = closeCause(side);
        assertEquals(4005, dead.closeCode(), dead.getMessage());
        long found = pair.elapsedMillis();
        assertTrue(found >= TIMEOUT_MS && found <= TIMEOUT_MS + TICK.toMillis(),
                "found dead after " + found + " ms, expected within [" + TIMEOUT_MS + ", " + (TIMEOUT_MS + TICK.toMillis()) + "]");
        assertTrue(found < 30_000, "the 30 s promise: found after " + found + " ms");
    }

    @Test
    void onAQuietConnectionOnlyTheDialerPingsOncePerInterval() throws Exception {
        Pair pair = new Pair();
        Duration quiet = Duration.ofMillis(TIMEOUT_MS * 10);
        pair.run(quiet, null);
        assertTrue(pair.dialer.isOpen() && pair.acceptor.isOpen());
        assertEquals(0, pair.acceptorChannel.pings.get(), "the acceptor only answers the dialer's pings");
        long perPing = INTERVAL_MS + TICK.toMillis(); // a ping is due after the interval, swept within a tick
        int pings = pair.dialerChannel.pings.get();
        assertTrue(pings >= quiet.toMillis() / perPing && pings <= quiet.toMillis() / INTERVAL_MS,
                pings + " pings in " + quiet + ", expected one every " + INTERVAL_MS + "-" + perPing + " ms");
        assertEquals(1, scheduler.periodicTasks(), "one wheel task, whatever the number of connections");
    }

    @Test
    void theAcceptorPingsWhenTheDialerDoesNot() throws Exception {
        Pair pair = new Pair();
        pair.dialerChannel.dropPings = true; // a peer that only answers: the acceptor's pings keep it alive
        Duration quiet = Duration.ofMillis(TIMEOUT_MS * 10);
        pair.run(quiet, null);
        assertTrue(pair.dialer.isOpen() && pair.acceptor.isOpen());
        long pingAfter = TimeUnit.NANOSECONDS.toMillis(Heartbeat.pingAfterNanos(false,
                TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS), TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS)));
        int pings = pair.acceptorChannel.pings.get();
        assertTrue(pings >= quiet.toMillis() / (pingAfter + TICK.toMillis()) && pings <= quiet.toMillis() / pingAfter,
                pings + " acceptor pings in " + quiet + ", expected one every " + pingAfter + " ms or so");
    }

    @Test
    void aDeadAcceptorIsFoundByTheDialerWithinTheBound() throws Exception {
        Pair pair = new Pair();
        pair.pipe.b().freeze();
        assertFoundDeadInTime(pair, pair.dialer);
        assertTrue(pair.dialerChannel.pings.get() >= 1);
    }

    @Test
    void aDeadDialerIsFoundByTheAcceptorWithinTheBound() throws Exception {
        Pair pair = new Pair();
        pair.pipe.a().freeze();
        assertFoundDeadInTime(pair, pair.acceptor);
        assertTrue(pair.acceptorChannel.pings.get() >= 1, "the acceptor pings once the dialer's pings stop");
    }

    @Test
    void halfOpenWithTheAcceptorsRepliesLostTheDialerFindsIt() throws Exception {
        Pair pair = new Pair();
        pair.pipe.b().loseSends(); // the dialer's pings arrive, the pongs never come back
        assertFoundDeadInTime(pair, pair.dialer);
        pair.run(Duration.ofMillis(TIMEOUT_MS * 2), pair.acceptor);
        assertTrue(closed(pair.acceptor), "the dialer's abort reaches the acceptor");
    }

    @Test
    void halfOpenWithTheDialersSendsLostTheAcceptorFindsIt() throws Exception {
        Pair pair = new Pair();
        pair.pipe.a().loseSends(); // the acceptor's pings arrive at the dialer, nothing comes back
        assertFoundDeadInTime(pair, pair.acceptor);
        pair.run(Duration.ofMillis(TIMEOUT_MS * 2), pair.dialer);
        assertTrue(closed(pair.dialer), "the acceptor's abort reaches the dialer");
    }

    @Test
    void trafficMakesPingsNeedless() throws Exception {
        Pair pair = new Pair();
        // A call every half interval (answered 503: no handler is served) is traffic both ways.
        for (int i = 0; i < 20; i++) {
            pair.run(Duration.ofMillis(INTERVAL_MS / 2), null);
            try (var response = pair.dialer.execute(
                    org.apache.hc.core5.http.io.support.ClassicRequestBuilder.get("/tick").build())) {
                assertEquals(503, response.getCode());
            }
            pair.pipe.settle();
        }
        assertEquals(0, pair.dialerChannel.pings.get() + pair.acceptorChannel.pings.get(), "no ping while calls flow");
        assertTrue(pair.dialer.isOpen() && pair.acceptor.isOpen());
    }

    @Test
    void connectionsShareOneTaskThatStopsWithTheLast() throws Exception {
        List<Pair> pairs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pairs.add(new Pair());
        }
        assertEquals(1, scheduler.periodicTasks());
        for (Pair p : pairs) {
            p.dialer.shutdownNow();
            p.pipe.settle();
            assertTrue(closed(p.dialer) && closed(p.acceptor));
        }
        assertEquals(0, scheduler.periodicTasks(), "no task left once every connection is closed");
    }

    /** Delegates to a pipe end, counting the pings this side sends; can drop them. */
    private static final class Counting implements MessageChannel {
        private final MessageChannel delegate;
        final AtomicInteger pings = new AtomicInteger();
        volatile boolean dropPings;

        Counting(MessageChannel delegate) {
            this.delegate = delegate;
        }

        @Override
        public void start(Listener listener) {
            delegate.start(listener);
        }

        @Override
        public void sendText(String text, Callback callback) {
            delegate.sendText(text, callback);
        }

        @Override
        public void sendBinary(ByteBuffer message, Callback callback) {
            delegate.sendBinary(message, callback);
        }

        @Override
        public void sendPing(ByteBuffer payload, Callback callback) {
            if (dropPings) {
                callback.completed(null);
                return;
            }
            pings.incrementAndGet();
            delegate.sendPing(payload, callback);
        }

        @Override
        public void close(int code, String reason) {
            delegate.close(code, reason);
        }

        @Override
        public void abort() {
            delegate.abort();
        }

        @Override
        public SocketAddress remoteAddress() {
            return delegate.remoteAddress();
        }
    }
}
