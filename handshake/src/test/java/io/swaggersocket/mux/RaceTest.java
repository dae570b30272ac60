package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.swaggersocket.testing.MemoryPipe;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Races forced many times over rather than hoped for. */
@Timeout(60)
class RaceTest {
    private static final HttpRequestHandler OK = (req, resp, ctx) ->
            resp.setEntity(new StringEntity("ok", ContentType.TEXT_PLAIN));

    private static SocketConnection[] pair(ConnectionConfig config) throws Exception {
        MemoryPipe pipe = new MemoryPipe();
        var accepted = SocketConnection.accept(pipe.b(), "race", null, config, OK);
        SocketConnection dialer = SocketConnection.dial(pipe.a(), null, config, OK).get(10, TimeUnit.SECONDS);
        return new SocketConnection[] {dialer, accepted.get(10, TimeUnit.SECONDS)};
    }

    /** Waits for a condition that other threads make true, polling, up to 10 s. */
    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within 10 s: " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void cancelRacingTheResponseNeverLeaksAStream() throws Exception {
        SocketConnection[] c = pair(ConnectionConfig.builder().maxConcurrentStreams(2000).build());
        List<CompletableFuture<ClassicHttpResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            CompletableFuture<ClassicHttpResponse> call = c[0].executeAsync(
                    ClassicRequestBuilder.post("/r").setEntity("x".repeat(i % 100)).build());
            calls.add(call);
            if (i % 2 == 0) {
                call.cancel(true);
            }
        }
        int answered = 0;
        for (CompletableFuture<ClassicHttpResponse> call : calls) {
            try (ClassicHttpResponse response = call.get(10, TimeUnit.SECONDS)) {
                assertEquals(200, response.getCode());
                answered++;
            } catch (CancellationException expected) {
                // cancelled before or after the answer: either way nothing may leak
            }
        }
        assertTrue(answered >= 1000, "every call not cancelled is answered: " + answered);
        eventually("no stream left on the dialer", () -> c[0].activeStreams() == 0);
        eventually("no stream left on the acceptor", () -> c[1].activeStreams() == 0);
        try (ClassicHttpResponse after = c[0].execute(ClassicRequestBuilder.get("/after").build())) {
            assertEquals(200, after.getCode());
        }
    }

    @Test
    void shutdownNowRacingNewCallsFailsThemCleanlyAndNeverHangs() throws Exception {
        for (int round = 0; round < 50; round++) {
            SocketConnection[] c = pair(ConnectionConfig.defaults());
            List<CompletableFuture<ClassicHttpResponse>> calls = new ArrayList<>();
            Thread closer = new Thread(c[1]::shutdownNow);
            for (int i = 0; i < 40; i++) {
                if (i == 20) {
                    closer.start();
                }
                calls.add(c[0].executeAsync(ClassicRequestBuilder.get("/r").build()));
            }
            closer.join();
            for (CompletableFuture<ClassicHttpResponse> call : calls) {
                try (ClassicHttpResponse response = call.get(10, TimeUnit.SECONDS)) {
                    assertEquals(200, response.getCode());
                } catch (ExecutionException e) {
                    assertInstanceOf(IOException.class, e.getCause());
                }
            }
            eventually("the dialer sees the close", () -> !c[0].isOpen());
            assertEquals(0, c[0].activeStreams());
        }
    }
}
