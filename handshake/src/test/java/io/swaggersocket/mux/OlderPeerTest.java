package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.swaggersocket.handshake.Protocol;
import io.swaggersocket.testing.MemoryPipe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A peer of an earlier revision, which offers only "mux": optional features stay off, both ways. */
@Timeout(60)
class OlderPeerTest {
    private static final HttpRequestHandler READS = (request, response, context) -> response.setEntity(new StringEntity(
            "read " + (request.getEntity() == null ? 0 : EntityUtils.toByteArray(request.getEntity()).length)
                    + (request.containsHeader("Upgrade") ? " upgrade" : ""), ContentType.TEXT_PLAIN));

    private static ConnectionConfig older() {
        return ConnectionConfig.builder().withhold(Protocol.FEATURE_UPGRADE).withhold(Protocol.FEATURE_CONTINUE).build();
    }

    private static SocketConnection[] connect(ConnectionConfig dialer, ConnectionConfig acceptor) throws Exception {
        MemoryPipe pipe = new MemoryPipe();
        CompletableFuture<SocketConnection> accepted = SocketConnection.accept(pipe.b(), "older-1", null, acceptor, READS);
        SocketConnection dialed = SocketConnection.dial(pipe.a(), null, dialer, READS).get(10, TimeUnit.SECONDS);
        return new SocketConnection[] {dialed, accepted.get(10, TimeUnit.SECONDS)};
    }

    private static void check(SocketConnection caller) throws Exception {
        assertFalse(caller.supportsUpgrades());
        assertFalse(caller.supportsContinue());
        assertThrows(IllegalStateException.class, () -> caller.upgrade(ClassicRequestBuilder.get("/ws")
                .addHeader("Upgrade", "websocket").build(), Duration.ofSeconds(5)));
        // Expect: 100-continue without the feature: the body goes at once, no wait for a 100 that never comes.
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (ClassicHttpResponse response = caller.execute(ClassicRequestBuilder.put("/x").addHeader("Expect", "100-continue")
                    .setEntity(new StringEntity("hello")).build())) {
                assertEquals("read 5", EntityUtils.toString(response.getEntity()));
            }
        });
    }

    /** Either end the older one: neither optional feature is used, by either side, and nothing waits. */
    @org.junit.jupiter.params.ParameterizedTest(name = "older dialer: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void anOlderPeerOnEitherEnd(boolean olderDialer) throws Exception {
        ConnectionConfig waitsLong = ConnectionConfig.builder().continueTimeout(Duration.ofMinutes(5)).build();
        ConnectionConfig older = older().toBuilder().continueTimeout(Duration.ofMinutes(5)).build();
        SocketConnection[] pair = olderDialer ? connect(older, waitsLong) : connect(waitsLong, older);
        try {
            check(pair[0]);
            check(pair[1]);
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }

    @Test
    void bothNewUseBoth() throws Exception {
        SocketConnection[] pair = connect(ConnectionConfig.defaults(), ConnectionConfig.defaults());
        try {
            assertTrue(pair[0].supportsUpgrades() && pair[0].supportsContinue());
            assertTrue(pair[1].supportsUpgrades() && pair[1].supportsContinue());
        } finally {
            pair[0].close();
            pair[1].close();
        }
    }
}
