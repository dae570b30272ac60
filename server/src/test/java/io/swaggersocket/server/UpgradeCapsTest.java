package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.swaggersocket.mux.ConnectionConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.xnio.IoUtils;

/**
 * The caps on the upgrade path over real sockets: upgrades in progress (503), agent connections per
 * principal and per source address (429), and that every count taken is given back, whatever way an
 * upgrade ends.
 */
@Timeout(30)
class UpgradeCapsTest {
    private static final String LOOPBACK = "127.0.0.1";
    /** A second loopback address (Linux routes all of 127/8 to lo): another source address. */
    private static final String OTHER_LOOPBACK = "127.0.0.2";
    private static final String PRINCIPAL_HEADER = "X-Test-Principal";

    private static Dialer dialer;
    private final List<Socket> sockets = new ArrayList<>();
    private SocketServer server;

    @BeforeAll
    static void startDialer() throws Exception {
        dialer = new Dialer();
    }

    @AfterAll
    static void stopDialer() {
        dialer.close();
    }

    @AfterEach
    void closeEverything() {
        sockets.forEach(IoUtils::safeClose);
        if (server != null) {
            server.close();
        }
    }

    /** Principals named by a header, for the test: no header, no principal. */
    private static AuthResult principalFromHeader(UpgradeRequest request) {
        return request.header(PRINCIPAL_HEADER).<AuthResult>map(name -> AuthResult.accept((Principal) () -> name))
                .orElseGet(AuthResult::accept);
    }

    private SocketServer start(ServerLimits limits, Authenticator authenticator) throws Exception {
        server = SocketServer.builder().bind(LOOPBACK, 0).limits(limits).authenticator(authenticator)
                .adminApi(true).build();
        server.start();
        return server;
    }

    /** The status line and headers of an upgrade's answer; the socket stays open (and is closed after the test). */
    private record Answer(Socket socket, int status, String head) {
    }

    private Answer upgrade(String from, String... headers) throws IOException {
        Socket socket = new Socket(InetAddress.getByName(LOOPBACK), server.port(), InetAddress.getByName(from), 0);
        sockets.add(socket);
        socket.setSoTimeout(10_000);
        StringBuilder request = new StringBuilder("GET /tunnel HTTP/1.1\r\nHost: " + LOOPBACK + "\r\n"
                + "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        for (String h : headers) {
            request.append(h).append("\r\n");
        }
        socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
        String head = readHead(socket.getInputStream());
        return new Answer(socket, Integer.parseInt(head.split(" ")[1]), head);
    }

    /** Reads up to the blank line that ends a response head. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("expected a response head but the connection closed after: " + head);
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private RawHttp.Response refused(String from, String... headers) throws IOException {
        Answer a = upgrade(from, headers);
        int length = Integer.parseInt(header(a.head(), "Content-Length"));
        String body = new String(a.socket().getInputStream().readNBytes(length), StandardCharsets.UTF_8);
        return new RawHttp.Response(a.status(), Map.of("retry-after", header(a.head(), "Retry-After")), body);
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("expected a " + name + " header but the head was: " + head);
    }

    private Dialer.Dialed dial(String principal) throws Exception {
        return dialer.dial(server.uri(), principal == null ? Map.of() : Map.of(PRINCIPAL_HEADER, principal),
                JsonNodeFactory.instance.objectNode().put("name", principal == null ? "agent" : principal), null,
                ConnectionConfig.defaults(), null).get(10, TimeUnit.SECONDS);
    }

    private double limitHits(String limit) throws IOException {
        RawHttp.Response metrics = RawHttp.exchange(server.port(), null,
                "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        return PrometheusText.parse(metrics.body()).value("swaggersocket_limit_hits_total{limit=\"" + limit + "\"}");
    }

    /** Polls {@code condition} until it holds or 10 s have passed. */
    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("expected " + what + " within 10 s but it did not happen");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // a poll interval, not a wait for the event
        }
    }

    @Test
    void upgradesAboveTheCapOnPendingOnesGet503UntilTheHandshakesEnd() throws Exception {
        start(ServerLimits.builder().maxPendingUpgrades(2).build(), Authenticator.acceptAll());
        // Two sockets upgraded (101) that never send a hello: pending until their handshake ends.
        assertEquals(101, upgrade(LOOPBACK).status());
        Answer second = upgrade(LOOPBACK);
        assertEquals(101, second.status());
        assertEquals(2, server.admission().pending());

        RawHttp.Response third = refused(LOOPBACK);
        assertEquals(503, third.status());
        assertEquals("1", third.header("Retry-After"));
        assertEquals("{\"error\":\"expected at most 2 tunnel upgrades in progress (maxPendingUpgrades) but there are"
                + " 2; retry later\"}", third.body());
        assertEquals(1, limitHits("pending_upgrades"));

        // A handshake that fails (the agent hangs up) gives its slot back.
        second.socket().close();
        await("one upgrade in progress", () -> server.admission().pending() == 1);
        EventLog log = new EventLog();
        server.addListener(log);
        Dialer.Dialed agent = dial(null);
        log.next(ConnectionEvent.Type.RECEIVED, agent.connection().id());
        assertEquals(1, server.admission().pending(), "a received connection is no longer pending");
        assertEquals(2, server.admission().fromAddress(LOOPBACK), "the hung 101 and the agent hold the address");
    }

    @Test
    void aPrincipalAndASourceAddressAboveTheirCapsGet429UntilTheirConnectionsClose() throws Exception {
        start(ServerLimits.builder().maxConnectionsPerPrincipal(2).maxConnectionsPerAddress(3).build(),
                UpgradeCapsTest::principalFromHeader);
        EventLog log = new EventLog();
        server.addListener(log);
        Dialer.Dialed alice1 = dial("alice");
        dial("alice");
        RawHttp.Response third = refused(LOOPBACK, PRINCIPAL_HEADER + ": alice");
        assertEquals(429, third.status());
        assertEquals("5", third.header("Retry-After"));
        assertEquals("{\"error\":\"expected at most 2 agent connections per principal (maxConnectionsPerPrincipal)"
                + " but principal alice has 2\"}", third.body());

        dial("bob"); // the address's third
        RawHttp.Response fourth = refused(LOOPBACK, PRINCIPAL_HEADER + ": bob");
        assertEquals(429, fourth.status());
        assertEquals("5", fourth.header("Retry-After"));
        assertEquals("{\"error\":\"expected at most 3 agent connections per source address (maxConnectionsPerAddress)"
                + " but 127.0.0.1 has 3\"}", fourth.body());
        // Another address is counted on its own.
        assertEquals(101, upgrade(OTHER_LOOPBACK, PRINCIPAL_HEADER + ": bob").status());
        assertEquals(1, limitHits("connections_per_principal"));
        assertEquals(1, limitHits("connections_per_address"));
        assertEquals(2, server.admission().ofPrincipal("alice"));
        assertEquals(3, server.admission().fromAddress(LOOPBACK));

        // Counts are given back as the registry lets go of the connection, before its event.
        alice1.connection().close();
        ConnectionEvent e;
        int events = 0;
        do {
            e = log.next(); // the three RECEIVED, in whatever order, then alice1's CLOSED
            assertTrue(++events <= 4, "expected alice1's CLOSED among the first 4 events but got " + e);
        } while (!(e.type() == ConnectionEvent.Type.CLOSED && e.connectionId().equals(alice1.connection().id())));
        assertEquals(1, server.admission().ofPrincipal("alice"));
        assertEquals(2, server.admission().fromAddress(LOOPBACK));
        dial("alice");
        assertEquals(2, server.admission().ofPrincipal("alice"));
    }

    @Test
    void everyCountTakenIsGivenBackAfterManyConnectsAndKills() throws Exception {
        start(ServerLimits.builder().maxPendingUpgrades(6).maxConnectionsPerPrincipal(5)
                .maxConnectionsPerAddress(8).build(), UpgradeCapsTest::principalFromHeader);
        int refusals = 0;
        for (int round = 0; round < 40; round++) {
            // Four ways to end, interleaved: hang up with the request sent, after the 101, after the
            // handshake (no close frame), and a clean close; all four in flight at once.
            Map<String, String> p = Map.of(PRINCIPAL_HEADER, "p");
            List<CompletableFuture<Dialer.Dialed>> dials = List.of(
                    dialer.dial(server.uri(), p, null, null, ConnectionConfig.defaults(), null),
                    dialer.dial(server.uri(), p, null, null, ConnectionConfig.defaults(), null));
            Socket early = new Socket(LOOPBACK, server.port());
            early.getOutputStream().write(("GET /tunnel HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + PRINCIPAL_HEADER + ": p\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            early.close();
            Answer upgraded = upgrade(LOOPBACK, PRINCIPAL_HEADER + ": p");
            upgraded.socket().close();
            if (upgraded.status() != 101) {
                refusals++;
            }
            for (int i = 0; i < dials.size(); i++) {
                Dialer.Dialed d;
                try {
                    d = dials.get(i).get(10, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException refused) {
                    refusals++; // a cap hit while others were still being counted down: fine
                    continue;
                }
                if (i == 0) {
                    IoUtils.safeClose(d.socket());
                } else {
                    d.connection().close();
                }
            }
        }
        await("every count back at zero", () -> server.admission().pending() == 0
                && server.admission().ofPrincipal("p") == 0 && server.admission().fromAddress(LOOPBACK) == 0
                && server.activeConnections().isEmpty());
        // The caps still take as many as they allow.
        for (int i = 0; i < 5; i++) {
            dial("p");
        }
        assertEquals(429, refused(LOOPBACK, PRINCIPAL_HEADER + ": p").status());
        assertTrue(refusals < 40 * 4, "expected most upgrades accepted but " + refusals + " were refused");
    }
}
