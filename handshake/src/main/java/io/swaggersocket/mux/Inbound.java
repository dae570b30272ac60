package io.swaggersocket.mux;

import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.frame.ProtocolViolationException;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.Settings;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpMessage;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;

/**
 * Frame dispatch: what the peer sends, as the channel's I/O thread delivers it (through
 * {@link Handshake}), decoded and applied to the stream table. Requests go to the handler on the
 * executor, response heads complete the caller's future, DATA is buffered for the reader.
 *
 * <p>Runs on one thread at a time (the channel's promise); takes the connection's lock to decide,
 * never blocks, and never runs user code on the I/O thread.
 */
final class Inbound {
    private static final HttpRequestHandler NO_HANDLER = (request, response, context) -> {
        response.setCode(HttpStatus.SC_SERVICE_UNAVAILABLE);
        response.setEntity(new StringEntity("no handler is served on this side of the connection",
                ContentType.TEXT_PLAIN));
    };

    private final SocketConnection connection;
    private final Settings settings;
    private final ConnectionConfig config;
    private final FrameCodec codec;
    private final ReentrantLock lock;
    private final Condition sendable;
    private final FrameWriter writer;
    private final StreamTable table;
    private final Credit credit;
    private final Lifecycle lifecycle;
    private final StreamBodies bodies;
    private final AtomicLong bytesIn = new AtomicLong();
    private volatile HttpRequestHandler handler;

    Inbound(SocketConnection connection, Settings settings, ConnectionConfig config, ReentrantLock lock,
            Condition sendable, FrameWriter writer, StreamTable table, Credit credit, Lifecycle lifecycle,
            StreamBodies bodies, HttpRequestHandler handler) {
        this.connection = connection;
        this.settings = settings;
        this.config = config;
        this.codec = new FrameCodec(settings.maxFrameSize(), settings.maxHeaderSize());
        this.lock = lock;
        this.sendable = sendable;
        this.writer = writer;
        this.table = table;
        this.credit = credit;
        this.lifecycle = lifecycle;
        this.bodies = bodies;
        this.handler = handler;
    }

    void serve(HttpRequestHandler handler) {
        Objects.requireNonNull(handler, "handler");
        synchronized (this) { // two serve() calls at once must not lose the layer
            HttpRequestHandler current = this.handler;
            this.handler = current instanceof LayeredHandler layer ? layer.withApplication(handler) : handler;
        }
    }

    long bytesIn() {
        return bytesIn.get();
    }

    void onBinary(ByteBuffer message) {
        lifecycle.heartbeat().received();
        bytesIn.addAndGet(message.remaining());
        List<Runnable> after = new ArrayList<>(2);
        try {
            Frame frame = codec.decode(message);
            switch (frame.type()) {
                case HEADERS -> onHeaders((Frame.Headers) frame, after);
                case DATA -> onData((Frame.Data) frame, after);
                case RESET -> onReset((Frame.Reset) frame, after);
                case WINDOW_UPDATE -> onWindowUpdate((Frame.WindowUpdate) frame);
                case GOAWAY -> onGoAway((Frame.GoAway) frame, after);
            }
        } catch (ProtocolViolationException e) {
            lifecycle.protocolError(e);
        } finally {
            lifecycle.finish(after);
        }
    }

    void onText(String text) {
        lifecycle.heartbeat().received();
        lifecycle.protocolError(new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR,
                "expected binary frames after the handshake but a text message came"), CloseCode.UNSUPPORTED_DATA);
    }

    private void onHeaders(Frame.Headers frame, List<Runnable> after) throws ProtocolViolationException {
        int streamId = frame.streamId();
        if (table.isLocalId(streamId)) {
            onResponseHeaders(frame, after);
            return;
        }
        ClassicHttpRequest request = null;
        String parseError = null;
        try {
            request = HttpHeads.readRequest(frame.head(), settings.maxHeaderSize());
        } catch (IOException | HttpException e) {
            parseError = "malformed request head: " + e.getMessage();
        }
        long declared = HttpHeads.UNKNOWN_LENGTH;
        if (request != null) {
            try {
                declared = HttpHeads.declaredLength(request);
            } catch (HttpException e) {
                parseError = e.getMessage();
            }
        }
        Stream stream;
        HttpRequestHandler h;
        lock.lock();
        try {
            if (lifecycle.closedCause() != null) {
                return;
            }
            int lastPeerId = table.lastPeerId();
            if (streamId <= lastPeerId) {
                throw new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream " + streamId
                        + ": expected a new stream id above " + lastPeerId + (table.contains(streamId)
                        ? " (the stream is open; trailers are not supported)" : ""));
            }
            table.peerUsed(streamId);
            if (lifecycle.goAwaySent()) {
                writer.enqueueControl(FrameCodec.encode(new Frame.Reset(streamId, ErrorCode.REFUSED_STREAM,
                        "connection is shutting down")));
                return;
            }
            if (table.activePeer() >= settings.maxConcurrentStreams()) {
                writer.enqueueControl(FrameCodec.encode(new Frame.Reset(streamId, ErrorCode.REFUSED_STREAM,
                        "stream limit reached: " + table.activePeer() + " open, maxConcurrentStreams "
                                + settings.maxConcurrentStreams())));
                return;
            }
            if (parseError != null) {
                writer.enqueueControl(FrameCodec.encode(new Frame.Reset(streamId, ErrorCode.PROTOCOL_ERROR, parseError)));
                return;
            }
            stream = table.openPeer(streamId, lock.newCondition(), settings.initialStreamWindow());
            stream.inEnded = frame.endStream();
            stream.declaredLength = declared;
            stream.expectContinue = connection.supportsContinue() && !frame.endStream()
                    && HttpHeads.expectsContinue(request);
            if (request.containsHeader(HttpHeaders.UPGRADE)) {
                stream.upgrade = connection.supportsUpgrades() && !frame.endStream()
                        && declared == HttpHeads.UNKNOWN_LENGTH && !request.containsHeader(HttpHeaders.TRANSFER_ENCODING);
                if (stream.upgrade) {
                    stream.declaredLength = 0; // no byte may come before the 101 (PROTOCOL.md 5.3)
                } else {
                    request.removeHeaders(HttpHeaders.UPGRADE); // not an upgrade this connection can make
                }
            }
            if (!frame.endStream()) {
                request.setEntity(new StreamEntity(new StreamInput(bodies, stream), declared,
                        header(request, HttpHeaders.CONTENT_TYPE), header(request, HttpHeaders.CONTENT_ENCODING)));
            }
            h = handler != null ? handler : NO_HANDLER;
        } finally {
            lock.unlock();
        }
        HandlerCall call = new HandlerCall(connection, bodies, stream, request, h);
        try {
            config.executor().execute(call);
        } catch (RejectedExecutionException e) {
            bodies.abort(stream, ErrorCode.REFUSED_STREAM, "no thread to run the handler");
        }
    }

    private void onResponseHeaders(Frame.Headers frame, List<Runnable> after) throws ProtocolViolationException {
        int streamId = frame.streamId();
        ClassicHttpResponse response = null;
        String parseError = null;
        long declared = HttpHeads.UNKNOWN_LENGTH;
        try {
            response = HttpHeads.readResponse(frame.head(), settings.maxHeaderSize());
            declared = HttpHeads.declaredLength(response);
        } catch (IOException | HttpException e) {
            parseError = "malformed response head: " + e.getMessage();
        }
        lock.lock();
        try {
            Stream stream = table.get(streamId);
            if (stream == null) {
                if (table.neverOpenedLocally(streamId)) {
                    throw new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR,
                            "HEADERS on stream " + streamId + ": expected a stream this side opened but it never was");
                }
                return; // a stream we already reset
            }
            if (stream.headersReceived) {
                throw new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream " + streamId
                        + ": expected DATA or RESET after the response head but a second HEADERS came");
            }
            if (parseError == null && response.getCode() == HttpStatus.SC_CONTINUE && stream.continued != null
                    && !stream.headersReceived) {
                CompletableFuture<Void> continued = stream.continued;
                after.add(() -> continued.complete(null)); // the body may go now; the final head is still to come
                return;
            }
            if (parseError == null && response.getCode() < HttpStatus.SC_OK) {
                if (response.getCode() != HttpStatus.SC_SWITCHING_PROTOCOLS) {
                    parseError = "interim response " + response.getCode() + " is not supported";
                } else if (!stream.upgrade) {
                    parseError = "101 Switching Protocols to a request that asked for no upgrade";
                } else {
                    stream.upgraded = true;
                    declared = HttpHeads.UNKNOWN_LENGTH; // the upgraded byte stream
                }
            }
            if (parseError != null) {
                lifecycle.failStream(stream, new StreamResetException(streamId, ErrorCode.PROTOCOL_ERROR,
                        "stream " + streamId + ": " + parseError), ErrorCode.PROTOCOL_ERROR, parseError, after);
                return;
            }
            stream.headersReceived = true;
            stream.inEnded = frame.endStream();
            stream.declaredLength = declared;
            if (!frame.endStream()) {
                response.setEntity(new StreamEntity(new StreamInput(bodies, stream), declared,
                        header(response, HttpHeaders.CONTENT_TYPE), header(response, HttpHeaders.CONTENT_ENCODING)));
            } else {
                lifecycle.maybeRemove(stream);
            }
            ClassicHttpResponse delivered = response;
            after.add(() -> {
                if (!stream.response.complete(delivered)) {
                    SocketConnection.closeQuietly(delivered);
                }
            });
        } finally {
            lock.unlock();
        }
    }

    private void onData(Frame.Data frame, List<Runnable> after) throws ProtocolViolationException {
        int streamId = frame.streamId();
        int n = frame.payload().remaining();
        lock.lock();
        try {
            if (lifecycle.closedCause() != null) {
                return;
            }
            credit.receive(streamId, n);
            Stream stream = table.get(streamId);
            if (stream == null) {
                if (table.isLocalId(streamId) ? table.neverOpenedLocally(streamId) : table.neverOpenedByPeer(streamId)) {
                    throw new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR,
                            "DATA on stream " + streamId + ": expected an open stream but it was never opened");
                }
                credit.refund(n); // a stream already closed here; the peer had not seen it yet
                return;
            }
            String error = null;
            ErrorCode code = ErrorCode.PROTOCOL_ERROR;
            if (!stream.headersReceived) {
                error = "DATA before the response head";
            } else if (stream.inEnded) {
                error = "DATA after END_STREAM";
                code = ErrorCode.STREAM_CLOSED;
            } else if (n > stream.recvCredit) {
                error = n + " bytes of DATA exceed the stream's remaining credit of " + stream.recvCredit;
                code = ErrorCode.FLOW_CONTROL_ERROR;
            } else if (stream.declaredLength >= 0 && (stream.received + n > stream.declaredLength
                    || frame.endStream() && stream.received + n < stream.declaredLength)) {
                error = "body of " + (stream.received + n) + (frame.endStream() ? "" : "+")
                        + " bytes does not match its Content-Length " + stream.declaredLength;
            }
            if (error != null) {
                credit.refund(n);
                lifecycle.failStream(stream, new StreamResetException(streamId, code, "stream " + streamId + ": " + error),
                        code, error, after);
                return;
            }
            stream.recvCredit -= n;
            stream.received += n;
            if (stream.inputClosed) {
                credit.consumed(stream, n); // nobody will read it: grant the credit back at once
            } else if (n > 0) {
                stream.inbound.add(frame.payload());
                stream.buffered += n;
            }
            if (frame.endStream()) {
                stream.inEnded = true;
                lifecycle.maybeRemove(stream);
            }
            stream.readable.signal();
        } finally {
            lock.unlock();
        }
        writer.flush();
    }

    private void onReset(Frame.Reset frame, List<Runnable> after) {
        int streamId = frame.streamId();
        lock.lock();
        try {
            Stream stream = table.get(streamId);
            if (stream == null) {
                return;
            }
            String message = "stream " + streamId + " reset by the peer: " + frame.errorCode()
                    + (frame.message().isEmpty() ? "" : " (" + frame.message() + ")");
            StreamResetException failure = new StreamResetException(streamId, frame.errorCode(), message);
            if (frame.errorCode() == ErrorCode.NO_ERROR && stream.inEnded) {
                // The peer has answered in full and needs no more of our body: stop sending, quietly.
                lifecycle.failStreamOutbound(stream, failure);
                return;
            }
            lifecycle.failStream(stream, failure, null, null, after);
        } finally {
            lock.unlock();
        }
    }

    private void onWindowUpdate(Frame.WindowUpdate frame) throws ProtocolViolationException {
        lock.lock();
        try {
            Stream stream = null;
            if (frame.streamId() != 0) {
                stream = table.get(frame.streamId());
                if (stream == null) {
                    return;
                }
            }
            credit.granted(frame, stream);
            sendable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void onGoAway(Frame.GoAway frame, List<Runnable> after) {
        lock.lock();
        try {
            lifecycle.goAwayReceived(frame, after);
        } finally {
            lock.unlock();
        }
    }

    private static String header(HttpMessage message, String name) {
        var h = message.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }
}
