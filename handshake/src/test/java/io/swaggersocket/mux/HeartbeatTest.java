package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.testing.ManualScheduler;
import io.swaggersocket.testing.MemoryPipe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The heartbeat, with small settings so that time is short: a hung peer is found, a quiet one is kept. */
@Timeout(30)
class HeartbeatTest {
    private static final ConnectionConfig FAST = ConnectionConfig.builder()
            .heartbeat(Duration.ofMillis(50), Duration.ofMillis(200)).build();

    @Test
    void aPeerThatStopsReadingIsDeclaredDeadAndInFlightCallsFail() throws Exception {
        MemoryPipe pipe = new MemoryPipe();
        CountDownLatch started = new CountDownLatch(1);
        var accepted = SocketConnection.accept(pipe.b(), "hb", null, FAST, (req, resp, ctx) -> {
            started.countDown();
            pipe.b().freeze(); // the acceptor hangs mid-request: it neither reads nor writes again
        });
        SocketConnection dialer = SocketConnection.dial(pipe.a(), null, FAST, null).get(10, TimeUnit.SECONDS);
        accepted.get(10, TimeUnit.SECONDS);
        CompletableFuture<ClassicHttpResponse> call = dialer.executeAsync(ClassicRequestBuilder.get("/hang").build());
        assertTrue(started.await(10, TimeUnit.SECONDS));
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
        SocketClosedException dead = assertInstanceOf(SocketClosedException.class, e.getCause());
        assertEquals(4005, dead.closeCode());
        assertTrue(dead.getMessage().startsWith("connection hb: the peer is dead: nothing received for "), dead.getMessage());
        ExecutionException closed = assertThrows(ExecutionException.class,
                () -> dialer.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertSame(dead, closed.getCause());
    }

    @Test
    void aQuietConnectionIsKeptAliveByPings() throws Exception {
        // Stepped on a manual clock: on a busy machine a real 200 ms timeout is a race with the
        // scheduler, not a test of the heartbeat.
        ManualScheduler scheduler = new ManualScheduler();
        ConnectionConfig config = FAST.toBuilder().scheduler(scheduler).nanoClock(scheduler.clock()).build();
        MemoryPipe pipe = new MemoryPipe();
        var accepted = SocketConnection.accept(pipe.b(), "hb", null, config, null);
        SocketConnection dialer = SocketConnection.dial(pipe.a(), null, config, null).get(10, TimeUnit.SECONDS);
        SocketConnection acceptor = accepted.get(10, TimeUnit.SECONDS);
        pipe.settle();
        // Five heartbeat timeouts of silence at the HTTP level: only pings and pongs flow.
        Duration tick = Duration.ofNanos(Heartbeat.tickNanos(dialer.settings()));
        for (long stepped = 0; stepped < Duration.ofMillis(1000).toNanos(); stepped += tick.toNanos()) {
            scheduler.advance(tick);
            pipe.settle();
        }
        assertFalse(dialer.closeFuture().toCompletableFuture().isDone());
        assertTrue(dialer.isOpen());
        assertTrue(acceptor.isOpen());
        assertTrue(dialer.bytesOut() == 0 && acceptor.bytesOut() == 0, "no frames, only pings");
    }
}
