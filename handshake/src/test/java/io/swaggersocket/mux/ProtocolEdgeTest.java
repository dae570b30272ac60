package io.swaggersocket.mux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.frame.Frame;
import io.swaggersocket.handshake.Ack;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.HandshakeException;
import io.swaggersocket.handshake.Hello;
import io.swaggersocket.handshake.Protocol;
import io.swaggersocket.handshake.Settings;
import io.swaggersocket.handshake.Welcome;
import io.swaggersocket.testing.MemoryPipe;
import io.swaggersocket.testing.RawPeer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every malformed handshake message and frame, sent by a scripted peer, gets its documented answer. */
@Timeout(30)
class ProtocolEdgeTest {
    private static final String ID = "c-1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MemoryPipe pipe = new MemoryPipe();

    private CompletableFuture<SocketConnection> accept(ConnectionConfig config, HttpRequestHandler handler) {
        return SocketConnection.accept(pipe.b(), ID, null, config, handler);
    }

    private static HandshakeException handshakeFailure(CompletableFuture<SocketConnection> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
        return assertInstanceOf(HandshakeException.class, e.getCause());
    }

    private void assertRejected(CompletableFuture<SocketConnection> accepted, RawPeer peer, CloseCode code,
            String message) throws Exception {
        RawPeer.Closed closed = peer.next(RawPeer.Closed.class);
        assertEquals(code.code(), closed.code());
        HandshakeException failure = handshakeFailure(accepted);
        assertEquals(code, failure.closeCode());
        assertEquals(message, failure.getMessage());
        assertTrue(message.startsWith(closed.reason().replace("...", "")), closed.reason());
    }

    private static String hello(int version, List<String> features) {
        return new Hello(version, features, null, Settings.DEFAULT).toJson();
    }

    /** Completes a handshake from a raw dialer and returns the accepted connection. */
    private SocketConnection handshake(RawPeer peer, CompletableFuture<SocketConnection> accepted) throws Exception {
        peer.sendText(hello(Protocol.VERSION, Protocol.FEATURES));
        Welcome welcome = Welcome.parse(peer.next(RawPeer.Text.class).text());
        assertEquals(ID, welcome.connectionId());
        peer.sendText(new Ack(ID).toJson());
        return accepted.get(10, TimeUnit.SECONDS);
    }

    private static byte[] head(String text) {
        return RawPeer.ascii(text.replace("\n", "\r\n"));
    }

    @Test
    void helloThatIsNotJsonIsRejectedAsMalformed() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), null);
        RawPeer peer = new RawPeer(pipe.a());
        peer.sendText("not json");
        RawPeer.Closed closed = peer.next(RawPeer.Closed.class);
        assertEquals(4000, closed.code());
        HandshakeException failure = handshakeFailure(accepted);
        assertEquals(CloseCode.HANDSHAKE_MALFORMED, failure.closeCode());
        assertTrue(failure.getMessage().startsWith("hello: expected a JSON object but the text is not JSON ("),
                failure.getMessage());
    }

    @Test
    void helloOfAnotherVersionIsRejected() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), null);
        RawPeer peer = new RawPeer(pipe.a());
        peer.sendText(hello(2, Protocol.FEATURES));
        assertRejected(accepted, peer, CloseCode.HANDSHAKE_VERSION_MISMATCH, "hello: expected protocol version 1 but was 2");
    }

    @Test
    void helloWithoutTheMuxFeatureIsRejected() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), null);
        RawPeer peer = new RawPeer(pipe.a());
        peer.sendText(hello(1, List.of("other")));
        assertRejected(accepted, peer, CloseCode.HANDSHAKE_FEATURE_MISMATCH,
                "hello: expected features to include \"mux\" but was [other]");
    }

    @Test
    void silenceEndsTheHandshakeWithATimeout() throws Exception {
        var accepted = accept(ConnectionConfig.builder().handshakeTimeout(Duration.ofMillis(100)).build(), null);
        RawPeer peer = new RawPeer(pipe.a());
        assertRejected(accepted, peer, CloseCode.HANDSHAKE_TIMEOUT, "expected hello within PT0.1S but none came");
    }

    @Test
    void aBinaryMessageDuringTheHandshakeIsRejected() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), null);
        RawPeer peer = new RawPeer(pipe.a());
        peer.sendRaw("010203");
        assertRejected(accepted, peer, CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE,
                "expected a text hello message but a binary message of 3 bytes came");
    }

    @Test
    void anAckForAnotherConnectionIsRejected() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), null);
        RawPeer peer = new RawPeer(pipe.a());
        peer.sendText(hello(1, Protocol.FEATURES));
        peer.next(RawPeer.Text.class);
        peer.sendText(new Ack("other").toJson());
        assertRejected(accepted, peer, CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE,
                "ack: expected connection id \"c-1\" but was \"other\"");
    }

    @Test
    void aSecondHelloInsteadOfAnAckIsRejected() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), null);
        RawPeer peer = new RawPeer(pipe.a());
        peer.sendText(hello(1, Protocol.FEATURES));
        peer.next(RawPeer.Text.class);
        peer.sendText(hello(1, Protocol.FEATURES));
        assertRejected(accepted, peer, CloseCode.HANDSHAKE_UNEXPECTED_MESSAGE, "expected message type \"ack\" but was \"hello\"");
    }

    @Test
    void aWelcomeWithLargerSettingsThanProposedIsRejectedByTheDialer() throws Exception {
        RawPeer acceptor = new RawPeer(pipe.b());
        var dialed = SocketConnection.dial(pipe.a(), null, ConnectionConfig.defaults(), null);
        Hello hello = Hello.parse(acceptor.next(RawPeer.Text.class).text());
        acceptor.sendText(new Welcome(1, ID, Protocol.FEATURES, hello.settings().withMaxFrameSize(1 << 20)).toJson());
        assertEquals(4000, acceptor.next(RawPeer.Closed.class).code());
        HandshakeException failure = handshakeFailure(dialed);
        assertEquals(CloseCode.HANDSHAKE_MALFORMED, failure.closeCode());
        assertTrue(failure.getMessage().startsWith("welcome: expected settings no larger than the proposed"),
                failure.getMessage());
    }

    @Test
    void theDialerReportsTheAcceptorsCloseCodeAndReason() throws Exception {
        RawPeer acceptor = new RawPeer(pipe.b());
        var dialed = SocketConnection.dial(pipe.a(), JSON.readTree("{\"name\":\"agent\"}"), ConnectionConfig.defaults(), null);
        Hello hello = Hello.parse(acceptor.next(RawPeer.Text.class).text());
        assertEquals("agent", hello.metadata().get("name").asText());
        pipe.b().close(4001, "hello: expected protocol version 1 but was 1");
        HandshakeException failure = handshakeFailure(dialed);
        assertEquals(CloseCode.HANDSHAKE_VERSION_MISMATCH, failure.closeCode());
        assertEquals("expected welcome but the peer closed the connection: 4001 hello: expected protocol version 1 but was 1",
                failure.getMessage());
    }

    @Test
    void aFrameOfAnotherVersionClosesTheConnectionWithGoAwayAnd1002() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), null);
        RawPeer peer = new RawPeer(pipe.a());
        SocketConnection connection = handshake(peer, accepted);
        peer.sendRaw("02 02 00 00 00000001");
        Frame.GoAway goAway = (Frame.GoAway) peer.nextFrame();
        assertEquals(new Frame.GoAway(0, ErrorCode.PROTOCOL_ERROR, "frame: expected version 1 but was 2"), goAway);
        assertEquals(new RawPeer.Closed(1002, "PROTOCOL_ERROR"), peer.next(RawPeer.Closed.class));
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> connection.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS));
        SocketClosedException closed = assertInstanceOf(SocketClosedException.class, e.getCause());
        assertEquals(1002, closed.closeCode());
        assertEquals("connection c-1 closed: the peer broke the protocol: frame: expected version 1 but was 2",
                closed.getMessage());
    }

    @Test
    void anOversizedDataFrameClosesWith1009() throws Exception {
        var accepted = accept(ConnectionConfig.builder().maxFrameSize(1024).build(), null);
        RawPeer peer = new RawPeer(pipe.a());
        handshake(peer, accepted);
        peer.send(new Frame.Data(1, ByteBuffer.allocate(1025), false));
        assertEquals(new Frame.GoAway(0, ErrorCode.FRAME_SIZE_ERROR,
                "DATA on stream 1: payload of 1025 bytes is over the negotiated maxFrameSize 1024"), peer.nextFrame());
        assertEquals(1009, peer.next(RawPeer.Closed.class).code());
    }

    @Test
    void dataOnAStreamNeverOpenedIsAProtocolError() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), null);
        RawPeer peer = new RawPeer(pipe.a());
        handshake(peer, accepted);
        peer.send(new Frame.Data(5, ByteBuffer.wrap(new byte[3]), false));
        assertEquals(new Frame.GoAway(0, ErrorCode.PROTOCOL_ERROR,
                "DATA on stream 5: expected an open stream but it was never opened"), peer.nextFrame());
        assertEquals(1002, peer.next(RawPeer.Closed.class).code());
    }

    @Test
    void aTextMessageAfterTheHandshakeClosesWith1003() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), null);
        RawPeer peer = new RawPeer(pipe.a());
        handshake(peer, accepted);
        peer.sendText("{}");
        assertEquals(new Frame.GoAway(0, ErrorCode.PROTOCOL_ERROR,
                "expected binary frames after the handshake but a text message came"), peer.nextFrame());
        assertEquals(1003, peer.next(RawPeer.Closed.class).code());
    }

    @Test
    void reusingAStreamIdIsAProtocolError() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), (req, resp, ctx) -> resp.setCode(204));
        RawPeer peer = new RawPeer(pipe.a());
        handshake(peer, accepted);
        peer.send(new Frame.Headers(3, head("GET /a HTTP/1.1\nHost: x\n\n"), true));
        Frame.Headers response = (Frame.Headers) peer.nextFrame();
        assertEquals(3, response.streamId());
        assertTrue(response.endStream());
        peer.send(new Frame.Headers(1, head("GET /b HTTP/1.1\nHost: x\n\n"), true));
        assertEquals(new Frame.GoAway(3, ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 1: expected a new stream id above 3"),
                peer.nextFrame());
    }

    @Test
    void aMalformedRequestHeadResetsOnlyItsStream() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), (req, resp, ctx) -> resp.setCode(204));
        RawPeer peer = new RawPeer(pipe.a());
        handshake(peer, accepted);
        peer.send(new Frame.Headers(1, head("NOT A REQUEST LINE\n\n"), true));
        Frame.Reset reset = (Frame.Reset) peer.nextFrame();
        assertEquals(1, reset.streamId());
        assertEquals(ErrorCode.PROTOCOL_ERROR, reset.errorCode());
        assertTrue(reset.message().startsWith("malformed request head: "), reset.message());
        peer.send(new Frame.Headers(3, head("GET /ok HTTP/1.1\nHost: x\n\n"), true));
        Frame.Headers response = (Frame.Headers) peer.nextFrame();
        assertTrue(new String(response.head()).startsWith("HTTP/1.1 204"), new String(response.head()));
    }

    /** Found by HttpHeadsFuzzTest: httpcore5 rejects a negative version with an unchecked exception. */
    @Test
    void aRequestHeadWithANegativeVersionResetsOnlyItsStream() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), (req, resp, ctx) -> resp.setCode(204));
        RawPeer peer = new RawPeer(pipe.a());
        handshake(peer, accepted);
        peer.send(new Frame.Headers(1, head("GET / HTTP/1.-1\n\n"), true));
        Frame.Reset reset = (Frame.Reset) peer.nextFrame();
        assertEquals(1, reset.streamId());
        assertEquals(ErrorCode.PROTOCOL_ERROR, reset.errorCode());
        assertEquals("malformed request head: Protocol minor version must not be negative: -1",
                reset.message());
        peer.send(new Frame.Headers(3, head("GET /ok HTTP/1.1\nHost: x\n\n"), true));
        Frame.Headers response = (Frame.Headers) peer.nextFrame();
        assertTrue(new String(response.head()).startsWith("HTTP/1.1 204"), new String(response.head()));
    }

    @Test
    void aStreamOverTheLimitIsRefused() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        var accepted = accept(ConnectionConfig.builder().maxConcurrentStreams(1).build(), (req, resp, ctx) -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        RawPeer peer = new RawPeer(pipe.a());
        handshake(peer, accepted);
        peer.send(new Frame.Headers(1, head("GET /a HTTP/1.1\nHost: x\n\n"), true));
        peer.send(new Frame.Headers(3, head("GET /b HTTP/1.1\nHost: x\n\n"), true));
        assertEquals(new Frame.Reset(3, ErrorCode.REFUSED_STREAM, "stream limit reached: 1 open, maxConcurrentStreams 1"),
                peer.nextFrame());
        release.countDown();
        assertEquals(1, peer.nextFrame().streamId());
    }

    @Test
    void dataBeyondTheStreamWindowResetsTheStream() throws Exception {
        ConnectionConfig config = ConnectionConfig.builder().maxFrameSize(1024).initialStreamWindow(1024).build();
        CountDownLatch release = new CountDownLatch(1);
        var accepted = accept(config, (req, resp, ctx) -> {
            try {
                release.await(10, TimeUnit.SECONDS); // never reads the body
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        RawPeer peer = new RawPeer(pipe.a());
        handshake(peer, accepted);
        peer.send(new Frame.Headers(1, head("POST /a HTTP/1.1\nHost: x\nTransfer-Encoding: chunked\n\n"), false));
        peer.send(new Frame.Data(1, ByteBuffer.allocate(1024), false));
        peer.send(new Frame.Data(1, ByteBuffer.allocate(1), false));
        assertEquals(new Frame.Reset(1, ErrorCode.FLOW_CONTROL_ERROR,
                "1 bytes of DATA exceed the stream's remaining credit of 0"), peer.nextFrame());
        release.countDown();
    }

    @Test
    void metadataAndSettingsAreNegotiated() throws Exception {
        ObjectNode meta = JSON.createObjectNode().put("name", "agent-7");
        ConnectionConfig small = ConnectionConfig.builder().maxFrameSize(4096).maxConcurrentStreams(10).build();
        var accepted = SocketConnection.accept(pipe.b(), ID, () -> "alice", ConnectionConfig.defaults(), null);
        SocketConnection dialer = SocketConnection.dial(pipe.a(), meta, small, null).get(10, TimeUnit.SECONDS);
        SocketConnection acceptor = accepted.get(10, TimeUnit.SECONDS);
        assertEquals(ID, dialer.id());
        assertEquals(meta, acceptor.metadata());
        assertEquals("alice", acceptor.principal().orElseThrow().getName());
        assertEquals(Settings.DEFAULT.withMaxFrameSize(4096).withMaxConcurrentStreams(10), acceptor.settings());
        assertEquals(acceptor.settings(), dialer.settings());
        assertTrue(dialer.isDialer());
    }

    @Test
    void headsOverTheHeaderLimitFailWithClearErrorsOnBothSides() throws Exception {
        ConnectionConfig config = ConnectionConfig.builder().maxHeaderSize(1024).build();
        var accepted = accept(config, (req, resp, ctx) -> resp.setHeader("X-Big", "y".repeat(2000)));
        SocketConnection dialer = SocketConnection.dial(pipe.a(), null, config, null).get(10, TimeUnit.SECONDS);
        accepted.get(10, TimeUnit.SECONDS);
        IllegalArgumentException tooBig = assertThrows(IllegalArgumentException.class, () -> dialer.execute(
                org.apache.hc.core5.http.io.support.ClassicRequestBuilder.get("/").addHeader("X-Big", "x".repeat(2000)).build()));
        assertTrue(tooBig.getMessage().matches("request head of \\d+ bytes is over the negotiated maxHeaderSize 1024"),
                tooBig.getMessage());
        StreamResetException reset = assertThrows(StreamResetException.class, () -> dialer.execute(
                org.apache.hc.core5.http.io.support.ClassicRequestBuilder.get("/").build()));
        assertEquals(ErrorCode.INTERNAL_ERROR, reset.errorCode());
        assertTrue(reset.getMessage().matches(
                "stream 1 reset by the peer: INTERNAL_ERROR \\(response head of \\d+ bytes is over the negotiated maxHeaderSize 1024\\)"),
                reset.getMessage());
    }

    @Test
    void aPathThatStartsWithTwoSlashesArrivesWhole() throws Exception {
        var accepted = accept(ConnectionConfig.defaults(), (req, resp, ctx) -> resp.setEntity(
                new org.apache.hc.core5.http.io.entity.StringEntity(req.getPath() + " " + req.getAuthority())));
        SocketConnection dialer = SocketConnection.dial(pipe.a(), null, ConnectionConfig.defaults(), null)
                .get(10, TimeUnit.SECONDS);
        accepted.get(10, TimeUnit.SECONDS);
        var request = new org.apache.hc.core5.http.message.BasicClassicHttpRequest("GET", "/");
        request.setPath("//foo/bar?x=1");
        try (var response = dialer.execute(request)) {
            assertEquals("//foo/bar?x=1 null",
                    org.apache.hc.core5.http.io.entity.EntityUtils.toString(response.getEntity()));
        }
    }
}
