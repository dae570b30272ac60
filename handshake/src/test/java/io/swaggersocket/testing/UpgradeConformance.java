package io.swaggersocket.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.mux.ConnectionConfig;
import io.swaggersocket.mux.SocketConnection;
import io.swaggersocket.mux.StreamResetException;
import io.swaggersocket.mux.UpgradedStream;
import io.swaggersocket.mux.Upgrades;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * HTTP upgrades over a stream (PROTOCOL.md section 5.3), written once for every transport: a
 * transport test implements {@link #connect} and inherits these.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public interface UpgradeConformance {

    /** Opens one connection whose two ends serve the given handlers (either may be null). */
    ConnectedPair connect(ConnectionConfig config, HttpRequestHandler dialerHandler, HttpRequestHandler acceptorHandler)
            throws Exception;

    private static ClassicHttpRequest upgradeRequest(String path) {
        return ClassicRequestBuilder.get(path).addHeader("Upgrade", "echo").addHeader("Connection", "Upgrade")
                .addHeader("X-Session", "7").build();
    }

    /** Accepts every upgrade with an echo session that also reports the request's headers. */
    private static HttpRequestHandler echoing() {
        return (request, response, context) -> {
            if (!Upgrades.isRequested(request)) {
                response.setCode(426);
                response.setEntity(new StringEntity("upgrade required", ContentType.TEXT_PLAIN));
                return;
            }
            response.setHeader("X-Session", request.getFirstHeader("X-Session").getValue());
            Upgrades.accept(request, response, (in, out) -> {
                byte[] buffer = new byte[8192];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            });
        };
    }

    @Test
    default void anUpgradedStreamCarriesBytesBothWaysInOrderAndEndsGracefully() throws Exception {
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, echoing())) {
            assertTrue(pair.dialer().supportsUpgrades());
            try (UpgradedStream s = pair.dialer().upgrade(upgradeRequest("/echo"), Duration.ofSeconds(10))) {
                assertTrue(s.isUpgraded());
                assertEquals(101, s.response().getCode());
                assertEquals("echo", s.response().getFirstHeader("Upgrade").getValue());
                assertEquals("7", s.response().getFirstHeader("X-Session").getValue());
                DataInputStream in = new DataInputStream(s.input());
                for (int i = 0; i < 200; i++) {
                    byte[] message = ("message " + i).getBytes(StandardCharsets.UTF_8);
                    s.output().write(message);
                    s.output().flush();
                    byte[] echoed = new byte[message.length];
                    in.readFully(echoed); // each message comes back before the next is sent: no batching
                    assertArrayEquals(message, echoed);
                }
                s.output().close();
                assertEquals(-1, s.input().read());
            }
            assertEquals(0, pair.dialer().activeStreams());
        }
    }

    @Test
    default void megabytesFlowBothWaysAtOnceUnderFlowControl() throws Exception {
        int size = 8 * 1024 * 1024; // many times the stream window: both directions wait for credit
        byte[] sent = new byte[size];
        new Random(3).nextBytes(sent);
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, echoing())) {
            try (UpgradedStream s = pair.dialer().upgrade(upgradeRequest("/echo"), Duration.ofSeconds(10))) {
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try (OutputStream out = s.output()) {
                        for (int off = 0; off < size; off += 100_000) {
                            out.write(sent, off, Math.min(100_000, size - off));
                        }
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                byte[] received = s.input().readAllBytes();
                writer.get(30, TimeUnit.SECONDS);
                assertArrayEquals(sent, received);
            }
        }
    }

    @Test
    default void aRefusedUpgradeIsAnOrdinaryResponse() throws Exception {
        HttpRequestHandler refuses = (request, response, context) -> {
            response.setCode(403);
            response.setEntity(new StringEntity("not for you", ContentType.TEXT_PLAIN));
        };
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, refuses)) {
            for (int i = 0; i < 3; i++) {
                try (UpgradedStream s = pair.dialer().upgrade(upgradeRequest("/ws"), Duration.ofSeconds(10))) {
                    assertFalse(s.isUpgraded());
                    assertEquals(403, s.response().getCode());
                    assertEquals("not for you", EntityUtils.toString(s.response().getEntity()));
                    assertThrows(IllegalStateException.class, s::output);
                }
            }
            pair.dialer().shutdown();
            assertTrue(pair.dialer().awaitTermination(Duration.ofSeconds(30)), "every stream ended");
        }
    }

    @Test
    default void theHandlerSeesItsEndWhenTheCallerClosesEarly() throws Exception {
        CompletableFuture<Throwable> handlerSaw = new CompletableFuture<>();
        HttpRequestHandler reads = (request, response, context) -> Upgrades.accept(request, response, (in, out) -> {
            out.write('!');
            out.flush();
            try {
                while (in.read() >= 0) {
                    // drain until the caller goes
                }
                handlerSaw.complete(null);
            } catch (IOException e) {
                handlerSaw.complete(e);
            }
        });
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, reads)) {
            UpgradedStream s = pair.dialer().upgrade(upgradeRequest("/ws"), Duration.ofSeconds(10));
            assertEquals('!', s.input().read());
            s.close(); // without reading to the end: a reset, which the handler sees as a failed read
            StreamResetException reset = assertInstanceOf(StreamResetException.class, handlerSaw.get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.CANCEL, reset.errorCode());
        }
    }

    @Test
    default void aCallerWhoseSideEndedStillReadsTheHandlersRest() throws Exception {
        HttpRequestHandler answersAfterEnd = (request, response, context) -> Upgrades.accept(request, response, (in, out) -> {
            byte[] all = in.readAllBytes(); // until the caller's END_STREAM
            out.write(("got " + all.length).getBytes(StandardCharsets.UTF_8));
        });
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, answersAfterEnd)) {
            try (UpgradedStream s = pair.dialer().upgrade(upgradeRequest("/ws"), Duration.ofSeconds(10))) {
                s.output().write(new byte[12345]);
                s.output().close();
                assertEquals("got 12345", new String(s.input().readAllBytes(), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    default void withoutTheFeatureUpgradeFailsClearlyAndTheHeaderNeverReachesTheHandler() throws Exception {
        ConnectionConfig off = ConnectionConfig.builder().upgrades(false).build();
        try (ConnectedPair pair = connect(off, null, echoing())) {
            assertFalse(pair.dialer().supportsUpgrades());
            assertFalse(pair.acceptor().supportsUpgrades());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> pair.dialer().upgrade(upgradeRequest("/ws"), Duration.ofSeconds(10)));
            assertTrue(e.getMessage().contains("does not support upgrades"), e.getMessage());
            // execute() drops hop-by-hop headers: the handler sees a plain request and answers 426
            assertEquals(426, pair.dialer().execute(upgradeRequest("/ws")).getCode());
        }
    }

    @Test
    default void a101ToARequestThatAskedForNoUpgradeIsAResetNotAResponse() throws Exception {
        HttpRequestHandler switches = (request, response, context) -> response.setCode(101);
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, switches)) {
            StreamResetException e = assertThrows(StreamResetException.class,
                    () -> pair.dialer().execute(ClassicRequestBuilder.get("/plain").build()));
            assertEquals(ErrorCode.INTERNAL_ERROR, e.errorCode());
            assertTrue(pair.dialer().isOpen(), "the connection goes on");
        }
    }

    @Test
    default void anUpgradeRequestWithABodyIsRefusedBeforeItIsSent() throws Exception {
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, echoing())) {
            ClassicHttpRequest withBody = ClassicRequestBuilder.post("/ws").addHeader("Upgrade", "echo")
                    .setEntity(new StringEntity("x")).build();
            assertThrows(IllegalArgumentException.class, () -> pair.dialer().upgrade(withBody, Duration.ofSeconds(10)));
            assertThrows(IllegalArgumentException.class,
                    () -> pair.dialer().upgrade(ClassicRequestBuilder.get("/ws").build(), Duration.ofSeconds(10)));
            assertEquals(0, pair.dialer().activeStreams());
        }
    }

    @Test
    default void manyUpgradedStreamsShareOneConnection() throws Exception {
        try (ConnectedPair pair = connect(ConnectionConfig.defaults(), null, echoing())) {
            SocketConnection c = pair.dialer();
            UpgradedStream[] streams = new UpgradedStream[100];
            for (int i = 0; i < streams.length; i++) {
                streams[i] = c.upgrade(upgradeRequest("/ws/" + i), Duration.ofSeconds(10));
            }
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < streams.length; i++) {
                    streams[i].output().write(("s" + i + "r" + round + ";").getBytes(StandardCharsets.UTF_8));
                    streams[i].output().flush();
                }
            }
            for (int i = 0; i < streams.length; i++) {
                streams[i].output().close();
                InputStream in = streams[i].input();
                assertEquals("s" + i + "r0;s" + i + "r1;s" + i + "r2;s" + i + "r3;s" + i + "r4;",
                        new String(in.readAllBytes(), StandardCharsets.UTF_8));
                streams[i].close();
            }
            assertEquals(0, c.activeStreams());
        }
    }
}
