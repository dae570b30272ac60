package io.swaggersocket.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.apache.hc.core5.util.Timeout;
import org.junit.jupiter.api.Test;

/**
 * The caller's cancellation racing the end of a response body, forced many times over a real
 * socket: whichever wins, the pool's count stays right and a cancelled exchange's connection is
 * never handed to the next request.
 */
class ExchangeRaceTest {
    @Test
    void cancellationRacingTheEndOfTheBodyNeverPoolsAClosedConnection() throws Exception {
        try (RawUpstream up = new RawUpstream((conn, i, req, s) -> {
            RawUpstream.write(s, RawUpstream.ok("body-" + i));
            return true;
        })) {
            UpstreamPool pool = new UpstreamPool(new UpstreamConnection.Opener("127.0.0.1", up.uri().getPort(), null,
                    Duration.ofSeconds(10)), 1, Duration.ofSeconds(30));
            ExecutorService canceller = Executors.newSingleThreadExecutor();
            try {
                for (int round = 0; round < 300; round++) {
                    BasicClassicHttpRequest request = new BasicClassicHttpRequest("GET", "/");
                    request.addHeader("Host", "upstream");
                    Exchange exchange = new Exchange(pool, request, null);
                    UpstreamConnection c = pool.lease(TimeUnit.SECONDS.toNanos(10), false);
                    ClassicHttpResponse head = exchange.send(c, Timeout.ofSeconds(10));
                    ClassicHttpResponse response = new BasicClassicHttpResponse(200);
                    exchange.respond(head, response, Timeout.ofSeconds(10));
                    CountDownLatch go = new CountDownLatch(1);
                    Future<?> cancel = canceller.submit(() -> {
                        go.await();
                        exchange.cancel();
                        return null;
                    });
                    InputStream in = response.getEntity().getContent();
                    go.countDown();
                    try {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (java.io.IOException cutByTheCancel) {
                        // the cancel won before the end was read: the connection is closed
                    }
                    cancel.get(10, TimeUnit.SECONDS);
                    response.close();
                    assertTrue(pool.open() <= 1 && pool.open() >= 0, "open " + pool.open());
                    assertEquals(pool.open(), pool.idle(), "nothing is leased between rounds");
                    if (pool.idle() == 1) {
                        // pooled: it must still work, i.e. the cancel did not close it afterwards
                        UpstreamConnection again = pool.lease(TimeUnit.SECONDS.toNanos(10), false);
                        assertSame(c, again, "round " + round + ": a closed connection was pooled");
                        pool.release(again, true);
                    }
                }
            } finally {
                canceller.shutdownNow();
                pool.close();
            }
            assertTrue(up.connections() >= 1);
        }
    }
}
