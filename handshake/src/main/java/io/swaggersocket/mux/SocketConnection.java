package io.swaggersocket.mux;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.frame.ProtocolViolationException;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.Settings;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHeaders;
import org.apache.hc.core5.http.HttpStatus;
import org.apache.hc.core5.http.io.HttpRequestHandler;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;

/**
 * One multiplexed connection: HTTP exchanges in both directions at once over one message channel.
 * Thread-safe: any number of threads may call {@link #execute} at once, while the handler given to
 * {@link #serve} answers the peer's requests.
 *
 * <p>Like a RoundTripper, {@code execute} returns whatever response the far handler produced, 404
 * and 500 included; only transport failures throw ({@link StreamResetException},
 * {@link SocketClosedException}, {@link SocketTimeoutException}). Bodies stream both ways under
 * flow control: a slow reader stalls its own stream, never the others.
 *
 * <p>Both ends run this class; they differ only in stream ids (the dialing side opens odd ids, the
 * accepting side even ones). Obtain one from {@link #dial} or {@link #accept}.
 *
 * <p>Lock policy: one lock guards the stream table, every stream's state and the write queue. Under
 * it the connection only decides; frames are sent, futures completed and user code run after it is
 * released.
 */
public final class SocketConnection implements Closeable {
    private static final System.Logger LOG = System.getLogger(SocketConnection.class.getName());
    private static final HttpRequestHandler NO_HANDLER = (request, response, context) -> {
        response.setCode(HttpStatus.SC_SERVICE_UNAVAILABLE);
        response.setEntity(new StringEntity("no handler is served on this side of the connection",
                ContentType.TEXT_PLAIN));
    };

    private final String id;
    private final JsonNode metadata;
    private final Principal principal;
    private final SocketAddress remoteAddress;
    private final Instant connectedAt = Instant.now();
    private final boolean dialer;
    private final Settings settings;
    private final ConnectionConfig config;
    private final MessageChannel channel;
    private final FrameCodec codec;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a body writer may be able to go on: credit, queue space, or failure. */
    private final Condition sendable = lock.newCondition();
    private final FrameWriter writer;
    private final Map<Integer, Stream> streams = new HashMap<>();
    private int nextLocalId;
    private int lastPeerId;
    private int activeLocal;
    private int activePeer;
    private long connSendWindow;
    private long connRecvCredit;
    private long connUnacked;
    private boolean goAwaySent;
    private boolean goAwayReceived;
    private SocketClosedException closedCause;
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private final CompletableFuture<Void> peerGoingAway = new CompletableFuture<>();

    private volatile HttpRequestHandler handler;
    private volatile long lastReceivedNanos = System.nanoTime();
    private long lastPingNanos = System.nanoTime();
    private ScheduledFuture<?> heartbeat;
    private final AtomicLong bytesIn = new AtomicLong();

    SocketConnection(MessageChannel channel, ConnectionConfig config, Settings settings, boolean dialer, String id,
            JsonNode metadata, Principal principal, HttpRequestHandler handler) {
        this.channel = channel;
        this.config = config;
        this.settings = settings;
        this.dialer = dialer;
        this.id = id;
        this.metadata = metadata;
        this.principal = principal;
        this.remoteAddress = channel.remoteAddress();
        this.handler = handler;
        this.codec = new FrameCodec(settings.maxFrameSize(), settings.maxHeaderSize());
        this.writer = new FrameWriter(channel, lock, sendable, settings.maxFrameSize(), this::transportFailed);
        this.nextLocalId = dialer ? 1 : 2;
        this.connSendWindow = settings.connectionWindow();
        this.connRecvCredit = settings.connectionWindow();
    }

    /**
     * Dials: runs the three-way handshake as the dialing side over a freshly opened channel.
     * Completes with the connection once the acknowledgement is sent, or with a
     * {@link io.swaggersocket.handshake.HandshakeException}.
     *
     * @param metadata sent in hello for the accepting side to keep; may be {@code null}
     * @param handler answers the peer's requests from the first moment; may be {@code null} (then
     *        the peer gets 503 until {@link #serve} is called)
     */
    public static CompletableFuture<SocketConnection> dial(MessageChannel channel, JsonNode metadata,
            ConnectionConfig config, HttpRequestHandler handler) {
        return Handshake.dial(channel, metadata, config, handler);
    }

    /**
     * Accepts: runs the three-way handshake as the accepting side, assigning {@code connectionId}.
     * Completes with the connection once the acknowledgement arrives, or with a
     * {@link io.swaggersocket.handshake.HandshakeException}.
     *
     * @param principal who authenticated the channel, or {@code null}
     * @param handler answers the peer's requests; may be {@code null}
     */
    public static CompletableFuture<SocketConnection> accept(MessageChannel channel, String connectionId,
            Principal principal, ConnectionConfig config, HttpRequestHandler handler) {
        return Handshake.accept(channel, connectionId, principal, config, handler, HelloCheck.ACCEPT_ALL);
    }

    /**
     * {@link #accept(MessageChannel, String, Principal, ConnectionConfig, HttpRequestHandler)}
     * with a check of the hello's metadata before the welcome is sent: a refusal closes the
     * channel with {@link io.swaggersocket.handshake.CloseCode#HANDSHAKE_REFUSED} and its reason,
     * and fails the future with a {@link io.swaggersocket.handshake.HandshakeException}.
     *
     * @param check called once, on the channel's thread, with the hello's metadata: must not block
     */
    public static CompletableFuture<SocketConnection> accept(MessageChannel channel, String connectionId,
            Principal principal, ConnectionConfig config, HttpRequestHandler handler, HelloCheck check) {
        return Handshake.accept(channel, connectionId, principal, config, handler,
                java.util.Objects.requireNonNull(check, "check"));
    }

    /** The id the accepting side assigned in the handshake. */
    public String id() {
        return id;
    }

    /**
     * The dialing side's metadata from hello ({@code null} JSON when it sent none). Shared by
     * every caller, not copied, so that registries can match on it cheaply: treat it as read-only.
     */
    public JsonNode metadata() {
        return metadata;
    }

    /** Who authenticated the channel on the accepting side; empty on the dialing side. */
    public Optional<Principal> principal() {
        return Optional.ofNullable(principal);
    }

    /** The peer's network address, or {@code null} when the transport has none. */
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    public Instant connectedAt() {
        return connectedAt;
    }

    /** The negotiated settings both ends use. */
    public Settings settings() {
        return settings;
    }

    /** True on the side that dialed (and opens odd stream ids). */
    public boolean isDialer() {
        return dialer;
    }

    /** True until the connection starts closing (GOAWAY sent or received) or is closed. */
    public boolean isOpen() {
        lock.lock();
        try {
            return closedCause == null && !goAwaySent && !goAwayReceived;
        } finally {
            lock.unlock();
        }
    }

    /** Streams open now, in both directions. */
    public int activeStreams() {
        lock.lock();
        try {
            return streams.size();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of frames (binary messages) received so far. */
    public long bytesIn() {
        return bytesIn.get();
    }

    /** Bytes of frames (binary messages) sent so far. */
    public long bytesOut() {
        return writer.bytesSent();
    }

    /**
     * Completes once the transport is closed: normally after an orderly close by either side,
     * exceptionally with the {@link SocketClosedException} when it failed or was lost. The first
     * cause wins: a connection that failed stays failed even if a close frame follows. (As with
     * any dependent stage, callbacks see that exception wrapped in a
     * {@link java.util.concurrent.CompletionException}; {@code toCompletableFuture().get()} throws
     * an {@code ExecutionException} whose cause is the {@code SocketClosedException}.) A local
     * {@link #shutdownNow()} counts as an orderly close.
     */
    public CompletionStage<Void> closeFuture() {
        return closeFuture.minimalCompletionStage();
    }

    /**
     * Completes when the peer sends GOAWAY: it is draining, so open no new work here (a dialer
     * reconnects now rather than when the last stream ends). Never completes if the connection
     * ends otherwise.
     */
    public CompletionStage<Void> peerGoingAway() {
        return peerGoingAway.minimalCompletionStage();
    }

    /**
     * Makes this side answer the peer's requests with {@code handler}, replacing any earlier one.
     * Handlers run on the configured executor, never on an I/O thread; one that throws gives the
     * caller a 500.
     */
    public void serve(HttpRequestHandler handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * A {@link java.net.http.HttpClient} whose {@code send} and {@code sendAsync} go over this
     * connection: the request's path and query are kept, its host is not dialed. For the
     * openapi-generator {@code native} library and any code written against the JDK client.
     */
    public java.net.http.HttpClient httpClient() {
        return HttpTransports.httpClient(this);
    }

    /**
     * A builder of {@link #httpClient()}s, for APIs that take one (openapi-generator's
     * {@code ApiClient.setHttpClientBuilder}).
     */
    public java.net.http.HttpClient.Builder httpClientBuilder() {
        return HttpTransports.httpClientBuilder(this);
    }

    /**
     * An Apache httpclient5 {@code CloseableHttpClient} that executes over this connection, for
     * openapi-generator's {@code apache-httpclient} library ({@code new ApiClient(client)}) and
     * code written against httpclient5. Closing it does not close the connection.
     */
    public org.apache.hc.client5.http.impl.classic.CloseableHttpClient apacheHttpClient() {
        return HttpTransports.apacheHttpClient(this);
    }

    /** Sends {@code request} and waits for the response head, with the configured default timeout. */
    public ClassicHttpResponse execute(ClassicHttpRequest request) throws IOException {
        return execute(request, config.requestTimeout());
    }

    /**
     * Sends {@code request}, writing its body on this thread, and waits for the response head.
     * The response body streams in as it is read; close the response to release the stream
     * (closing it early cancels the stream). A response without body bytes (HEAD, 204, 304, or
     * an empty body) has no entity.
     *
     * @param timeout how long to wait for the response head; {@link Duration#ZERO} for no limit
     * @throws SocketTimeoutException the response head did not come in time (the stream is reset)
     * @throws StreamResetException the peer reset or refused the stream
     * @throws SocketClosedException the connection is closed or was lost
     */
    public ClassicHttpResponse execute(ClassicHttpRequest request, Duration timeout) throws IOException {
        Exchange exchange = open(request, timeout);
        if (exchange.body != null) {
            writeBody(exchange);
        }
        try {
            return exchange.stream.response.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abort(exchange.stream, ErrorCode.CANCEL, "caller was interrupted");
            throw new InterruptedIOException("stream " + exchange.stream.id + ": interrupted waiting for the response");
        } catch (ExecutionException e) {
            throw asIOException(e.getCause());
        }
    }

    /** {@link #executeAsync(ClassicHttpRequest, Duration)} with the configured default timeout. */
    public CompletableFuture<ClassicHttpResponse> executeAsync(ClassicHttpRequest request) {
        return executeAsync(request, config.requestTimeout());
    }

    /**
     * Sends {@code request} (its body is written on the configured executor) and completes with the
     * response head, on the executor. Cancelling the future resets the stream, and the far handler
     * sees it. Failures are those of {@link #execute(ClassicHttpRequest, Duration)}.
     */
    public CompletableFuture<ClassicHttpResponse> executeAsync(ClassicHttpRequest request, Duration timeout) {
        Exchange exchange;
        try {
            exchange = open(request, timeout);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        Stream stream = exchange.stream;
        CompletableFuture<ClassicHttpResponse> result = new CompletableFuture<>();
        result.whenComplete((response, failure) -> {
            if (failure instanceof CancellationException) {
                abort(stream, ErrorCode.CANCEL, "cancelled by the caller");
            }
        });
        stream.response.whenComplete((response, failure) -> runOnExecutor(() -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            } else if (!result.complete(response)) {
                closeQuietly(response); // the caller cancelled just as the response came
            }
        }));
        if (exchange.body != null) {
            try {
                config.executor().execute(() -> writeBody(exchange));
            } catch (RejectedExecutionException e) {
                abort(stream, ErrorCode.CANCEL, "no thread to write the request body");
            }
        }
        return result;
    }

    /**
     * Starts a graceful shutdown: sends GOAWAY, refuses new streams in both directions, and lets
     * the streams in flight finish; the channel closes with 1000 when the last one ends.
     */
    public void shutdown() {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (closedCause == null && !goAwaySent) {
                goAwaySent = true;
                writer.enqueueControl(FrameCodec.encode(
                        new Frame.GoAway(lastPeerId, ErrorCode.NO_ERROR, "shutting down")));
                closeIfDrained(after);
            }
        } finally {
            lock.unlock();
        }
        finish(after);
    }

    /** Waits until the connection is closed; true if it closed within {@code timeout}. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        try {
            closeFuture.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // closed by a failure: still terminated
        } catch (TimeoutException e) {
            return false;
        }
        return true;
    }

    /** Closes at once: every open stream fails with one {@link SocketClosedException}; the channel closes with 1001. */
    public void shutdownNow() {
        closeWith(new SocketClosedException(CloseCode.GOING_AWAY.code(),
                "connection " + id + " was shut down by this side"), CloseCode.GOING_AWAY, "shut down", false);
    }

    /**
     * Closes at once like {@link #shutdownNow()}, with close {@code code} and {@code reason} (at
     * most 123 UTF-8 bytes are sent), for example {@link CloseCode#ACCESS_REVOKED}. Every open
     * stream fails with a {@link SocketClosedException} carrying the code.
     */
    public void shutdownNow(CloseCode code, String reason) {
        java.util.Objects.requireNonNull(code, "code");
        java.util.Objects.requireNonNull(reason, "reason");
        closeWith(new SocketClosedException(code.code(), "connection " + id + " was closed by this side: " + reason),
                code, Handshake.closeReason(reason), false);
    }

    /** Shuts down gracefully, waits up to the configured grace period, then shuts down at once. */
    @Override
    public void close() {
        shutdown();
        try {
            if (awaitTermination(config.shutdownGracePeriod())) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shutdownNow();
    }

    @Override
    public String toString() {
        return "SocketConnection[" + id + (dialer ? ", dialer" : ", acceptor") + ", " + remoteAddress + "]";
    }

    // ---------------------------------------------------------------------------------------------
    // Outgoing exchanges

    private record Exchange(Stream stream, HttpEntity body, long bodyLength) {
    }

    private Exchange open(ClassicHttpRequest request, Duration timeout) throws IOException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " is negative");
        }
        long bodyLength = HttpHeads.requestBodyLength(request);
        byte[] head = HttpHeads.writeRequest(request, bodyLength);
        if (head.length > settings.maxHeaderSize()) {
            throw new IllegalArgumentException("request head of " + head.length
                    + " bytes is over the negotiated maxHeaderSize " + settings.maxHeaderSize());
        }
        boolean hasBody = bodyLength != HttpHeads.NO_BODY && bodyLength != 0;
        Stream stream;
        lock.lock();
        try {
            if (closedCause != null) {
                throw closedCause;
            }
            if (goAwaySent || goAwayReceived) {
                throw new StreamResetException(0, ErrorCode.REFUSED_STREAM,
                        "connection " + id + " is shutting down; the request was not sent");
            }
            if (activeLocal >= settings.maxConcurrentStreams()) {
                throw new StreamResetException(0, ErrorCode.REFUSED_STREAM, "connection " + id + " has "
                        + activeLocal + " streams open, the negotiated maxConcurrentStreams; the request was not sent");
            }
            if (nextLocalId < 0) {
                throw new StreamResetException(0, ErrorCode.REFUSED_STREAM,
                        "connection " + id + " has used up its stream ids; open a new connection");
            }
            stream = new Stream(nextLocalId, true, lock.newCondition(), settings.initialStreamWindow(),
                    settings.initialStreamWindow());
            nextLocalId += 2;
            stream.outEnded = !hasBody;
            streams.put(stream.id, stream);
            activeLocal++;
            writer.enqueueControl(FrameCodec.encode(new Frame.Headers(stream.id, head, !hasBody)));
            if (!timeout.isZero()) {
                stream.deadline = config.scheduler().schedule(() -> timedOut(stream, timeout),
                        timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
        }
        writer.flush();
        return new Exchange(stream, hasBody ? request.getEntity() : null, bodyLength);
    }

    private void writeBody(Exchange exchange) {
        try {
            writeEntity(exchange.stream, exchange.body, exchange.bodyLength, ErrorCode.CANCEL);
        } catch (IOException e) {
            // The stream is reset and its response future failed with the cause, or it holds a
            // response the peer sent before it stopped reading our body.
        }
    }

    /**
     * Streams a body on {@code stream}. If the entity itself fails, the stream is reset with
     * {@code code} and its users see that failure, with the entity's exception as the cause.
     */
    void writeEntity(Stream stream, HttpEntity entity, long length, ErrorCode code) throws IOException {
        StreamOutput out = new StreamOutput(this, stream, settings.maxFrameSize(), length);
        try {
            entity.writeTo(out);
            out.close();
        } catch (IOException | RuntimeException e) {
            if (isFailed(stream)) {
                throw e; // reset or lost: already reported to the stream's users
            }
            String message = "stream " + stream.id + ": body failed: " + e;
            IOException failure = new IOException(message, e);
            List<Runnable> after = new ArrayList<>();
            lock.lock();
            try {
                failStream(stream, failure, code, message, after);
            } finally {
                lock.unlock();
            }
            finish(after);
            throw failure;
        }
    }

    /** Sends a handler's response on a peer stream: the head, then the body if it has one. */
    void respond(Stream stream, String requestMethod, ClassicHttpResponse response) throws IOException {
        long length = HttpHeads.responseBodyLength(response, requestMethod);
        boolean hasBody = length != HttpHeads.NO_BODY && length != 0;
        byte[] head;
        try {
            head = HttpHeads.writeResponse(response, requestMethod);
        } catch (IllegalArgumentException e) {
            throw abort(stream, ErrorCode.INTERNAL_ERROR, e.getMessage());
        }
        if (head.length > settings.maxHeaderSize()) {
            throw abort(stream, ErrorCode.INTERNAL_ERROR, "response head of " + head.length
                    + " bytes is over the negotiated maxHeaderSize " + settings.maxHeaderSize());
        }
        sendHeaders(stream, head, !hasBody);
        if (hasBody) {
            writeEntity(stream, response.getEntity(), length, ErrorCode.INTERNAL_ERROR);
        }
    }

    private void timedOut(Stream stream, Duration timeout) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (!stream.response.isDone()) {
                failStream(stream, new SocketTimeoutException("stream " + stream.id + ": no response within " + timeout),
                        ErrorCode.CANCEL, "caller timed out after " + timeout, after);
            }
        } finally {
            lock.unlock();
        }
        finish(after);
    }

    // ---------------------------------------------------------------------------------------------
    // Body streams (called by StreamInput, StreamOutput and HandlerCall)

    int read(Stream stream, byte[] b, int off, int len) throws IOException {
        int n = 0;
        lock.lock();
        try {
            while (stream.inbound.isEmpty()) {
                if (stream.inEnded) {
                    return -1; // complete: a later reset of our own direction does not matter
                }
                if (stream.failure != null) {
                    throw stream.failure;
                }
                try {
                    stream.readable.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("stream " + stream.id + ": interrupted while reading");
                }
            }
            while (n < len && !stream.inbound.isEmpty()) {
                ByteBuffer head = stream.inbound.peek();
                int k = Math.min(len - n, head.remaining());
                head.get(b, off + n, k);
                n += k;
                if (!head.hasRemaining()) {
                    stream.inbound.poll();
                }
            }
            stream.buffered -= n;
            consumed(stream, n);
        } finally {
            lock.unlock();
        }
        writer.flush();
        return n;
    }

    int available(Stream stream) {
        lock.lock();
        try {
            return (int) Math.min(Integer.MAX_VALUE, stream.buffered);
        } finally {
            lock.unlock();
        }
    }

    void closeInput(Stream stream) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (stream.failure == null && !stream.inEnded) {
                if (stream.local) {
                    failStream(stream, new StreamResetException(stream.id, ErrorCode.CANCEL,
                            "stream " + stream.id + ": response closed by the caller"),
                            ErrorCode.CANCEL, "response closed by the caller before its end", after);
                } else {
                    stream.inputClosed = true;
                    discardInbound(stream);
                    finishRequestBody(stream, after);
                }
            } else {
                discardInbound(stream);
            }
        } finally {
            lock.unlock();
        }
        finish(after);
    }

    void sendHeaders(Stream stream, byte[] head, boolean endStream) throws IOException {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (stream.failure != null) {
                throw stream.failure;
            }
            writer.enqueueControl(FrameCodec.encode(new Frame.Headers(stream.id, head, endStream)));
            if (endStream) {
                outEnded(stream, after);
            }
        } finally {
            lock.unlock();
        }
        finish(after);
    }

    /**
     * Sends {@code length} payload bytes that sit in {@code frame} after its header room, waiting
     * for credit and queue space; splits them when credit is short.
     */
    void sendData(Stream stream, byte[] frame, int length, boolean endStream) throws IOException {
        List<Runnable> after = new ArrayList<>();
        int sent = 0;
        try {
            while (sent < length || (sent == 0 && length == 0)) {
                lock.lock();
                try {
                    long credit = awaitCredit(stream);
                    int n = (int) Math.min(length - sent, credit);
                    boolean last = sent + n == length;
                    byte[] out;
                    if (sent == 0 && last) {
                        out = frame;
                    } else {
                        out = new byte[FrameCodec.HEADER_LENGTH + n];
                        System.arraycopy(frame, FrameCodec.HEADER_LENGTH + sent, out, FrameCodec.HEADER_LENGTH, n);
                    }
                    FrameCodec.writeDataHeader(out, stream.id, endStream && last);
                    stream.sendWindow -= n;
                    connSendWindow -= n;
                    writer.enqueueData(stream.id, ByteBuffer.wrap(out, 0, FrameCodec.HEADER_LENGTH + n));
                    sent += n;
                    if (endStream && last) {
                        outEnded(stream, after);
                    }
                    if (length == 0) {
                        break;
                    }
                } finally {
                    lock.unlock();
                }
                writer.flush();
            }
        } finally {
            finish(after);
        }
    }

    /** Waits under the lock until the stream may send; returns the credit available. */
    private long awaitCredit(Stream stream) throws IOException {
        for (;;) {
            if (stream.failure != null) {
                throw stream.failure;
            }
            if (closedCause != null) {
                throw closedCause;
            }
            long credit = Math.min(stream.sendWindow, connSendWindow);
            if (credit > 0 && !writer.dataQueueFull()) {
                return credit;
            }
            try {
                sendable.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw abortLocked(stream, ErrorCode.CANCEL, "writer was interrupted");
            }
        }
    }

    /** Resets the stream with {@code code} unless it already ended; returns the exception its users see. */
    IOException abort(Stream stream, ErrorCode code, String message) {
        List<Runnable> after = new ArrayList<>();
        IOException failure;
        lock.lock();
        try {
            failure = abortLocked(stream, code, message, after);
        } finally {
            lock.unlock();
        }
        finish(after);
        return failure;
    }

    private IOException abortLocked(Stream stream, ErrorCode code, String message) {
        List<Runnable> after = new ArrayList<>();
        IOException failure = abortLocked(stream, code, message, after);
        // Completions must not run under the lock: hand them to the executor.
        if (!after.isEmpty()) {
            runOnExecutor(() -> after.forEach(Runnable::run));
        }
        return failure;
    }

    private IOException abortLocked(Stream stream, ErrorCode code, String message, List<Runnable> after) {
        if (stream.failure == null) {
            failStream(stream, new StreamResetException(stream.id, code, message), code, message, after);
        }
        return stream.failure;
    }

    boolean isFailed(Stream stream) {
        lock.lock();
        try {
            return stream.failure != null;
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Incoming messages (called by the channel's I/O thread through Handshake)

    void start() {
        long period = Math.max(1, settings.heartbeatIntervalMillis() / 2);
        lock.lock();
        try {
            if (closedCause == null) {
                heartbeat = config.scheduler().scheduleAtFixedRate(this::heartbeatTick, period, period,
                        TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    void onBinary(ByteBuffer message) {
        lastReceivedNanos = System.nanoTime();
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
            protocolError(e);
        } finally {
            finish(after);
        }
    }

    void onText(String text) {
        lastReceivedNanos = System.nanoTime();
        protocolError(new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR,
                "expected binary frames after the handshake but a text message came"), CloseCode.UNSUPPORTED_DATA);
    }

    void onLiveness() {
        lastReceivedNanos = System.nanoTime();
    }

    void onClose(int code, String reason) {
        String why = code == CloseCode.ABNORMAL.code()
                ? "connection " + id + " was lost" + (reason == null || reason.isEmpty() ? "" : ": " + reason)
                : "connection " + id + " closed by the peer: " + code + (reason == null || reason.isEmpty() ? "" : " " + reason);
        closeWith(new SocketClosedException(code, why), null, null, false);
        SocketClosedException cause;
        lock.lock();
        try {
            cause = closedCause;
        } finally {
            lock.unlock();
        }
        // The transport is gone: only now is the connection terminated.
        if (cause.isGraceful()) {
            closeFuture.complete(null);
        } else {
            closeFuture.completeExceptionally(cause);
        }
    }

    private void onHeaders(Frame.Headers frame, List<Runnable> after) throws ProtocolViolationException {
        int streamId = frame.streamId();
        if (isLocalId(streamId)) {
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
            if (closedCause != null) {
                return;
            }
            if (streamId <= lastPeerId) {
                throw new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream " + streamId
                        + ": expected a new stream id above " + lastPeerId + (streams.containsKey(streamId)
                        ? " (the stream is open; trailers are not supported)" : ""));
            }
            lastPeerId = streamId;
            if (goAwaySent) {
                writer.enqueueControl(FrameCodec.encode(new Frame.Reset(streamId, ErrorCode.REFUSED_STREAM,
                        "connection is shutting down")));
                return;
            }
            if (activePeer >= settings.maxConcurrentStreams()) {
                writer.enqueueControl(FrameCodec.encode(new Frame.Reset(streamId, ErrorCode.REFUSED_STREAM,
                        "stream limit reached: " + activePeer + " open, maxConcurrentStreams "
                                + settings.maxConcurrentStreams())));
                return;
            }
            if (parseError != null) {
                writer.enqueueControl(FrameCodec.encode(new Frame.Reset(streamId, ErrorCode.PROTOCOL_ERROR, parseError)));
                return;
            }
            stream = new Stream(streamId, false, lock.newCondition(), settings.initialStreamWindow(),
                    settings.initialStreamWindow());
            stream.inEnded = frame.endStream();
            stream.declaredLength = declared;
            streams.put(streamId, stream);
            activePeer++;
            if (!frame.endStream()) {
                request.setEntity(new StreamEntity(new StreamInput(this, stream), declared,
                        header(request, HttpHeaders.CONTENT_TYPE), header(request, HttpHeaders.CONTENT_ENCODING)));
            }
            h = handler != null ? handler : NO_HANDLER;
        } finally {
            lock.unlock();
        }
        HandlerCall call = new HandlerCall(this, stream, request, h);
        try {
            config.executor().execute(call);
        } catch (RejectedExecutionException e) {
            abort(stream, ErrorCode.REFUSED_STREAM, "no thread to run the handler");
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
            if (response.getCode() < HttpStatus.SC_OK) {
                parseError = "interim response " + response.getCode() + " is not supported";
            }
        } catch (IOException | HttpException e) {
            parseError = "malformed response head: " + e.getMessage();
        }
        lock.lock();
        try {
            Stream stream = streams.get(streamId);
            if (stream == null) {
                if (streamId >= nextLocalId) {
                    throw new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR,
                            "HEADERS on stream " + streamId + ": expected a stream this side opened but it never was");
                }
                return; // a stream we already reset
            }
            if (stream.headersReceived) {
                throw new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream " + streamId
                        + ": expected DATA or RESET after the response head but a second HEADERS came");
            }
            if (parseError != null) {
                failStream(stream, new StreamResetException(streamId, ErrorCode.PROTOCOL_ERROR,
                        "stream " + streamId + ": " + parseError), ErrorCode.PROTOCOL_ERROR, parseError, after);
                return;
            }
            stream.headersReceived = true;
            stream.inEnded = frame.endStream();
            stream.declaredLength = declared;
            if (!frame.endStream()) {
                response.setEntity(new StreamEntity(new StreamInput(this, stream), declared,
                        header(response, HttpHeaders.CONTENT_TYPE), header(response, HttpHeaders.CONTENT_ENCODING)));
            } else {
                maybeRemove(stream);
            }
            ClassicHttpResponse delivered = response;
            after.add(() -> {
                if (!stream.response.complete(delivered)) {
                    closeQuietly(delivered);
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
            if (closedCause != null) {
                return;
            }
            if (n > connRecvCredit) {
                throw new ProtocolViolationException(ErrorCode.FLOW_CONTROL_ERROR, "DATA on stream " + streamId + ": "
                        + n + " bytes exceed the connection's remaining credit of " + connRecvCredit);
            }
            connRecvCredit -= n;
            Stream stream = streams.get(streamId);
            if (stream == null) {
                if (isLocalId(streamId) ? streamId >= nextLocalId : streamId > lastPeerId) {
                    throw new ProtocolViolationException(ErrorCode.PROTOCOL_ERROR,
                            "DATA on stream " + streamId + ": expected an open stream but it was never opened");
                }
                refund(n); // a stream already closed here; the peer had not seen it yet
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
                refund(n);
                failStream(stream, new StreamResetException(streamId, code, "stream " + streamId + ": " + error),
                        code, error, after);
                return;
            }
            stream.recvCredit -= n;
            stream.received += n;
            if (stream.inputClosed) {
                consumed(stream, n); // nobody will read it: grant the credit back at once
            } else if (n > 0) {
                stream.inbound.add(frame.payload());
                stream.buffered += n;
            }
            if (frame.endStream()) {
                stream.inEnded = true;
                maybeRemove(stream);
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
            Stream stream = streams.get(streamId);
            if (stream == null) {
                return;
            }
            String message = "stream " + streamId + " reset by the peer: " + frame.errorCode()
                    + (frame.message().isEmpty() ? "" : " (" + frame.message() + ")");
            StreamResetException failure = new StreamResetException(streamId, frame.errorCode(), message);
            if (frame.errorCode() == ErrorCode.NO_ERROR && stream.inEnded) {
                // The peer has answered in full and needs no more of our body: stop sending, quietly.
                failStreamOutbound(stream, failure);
                return;
            }
            failStream(stream, failure, null, null, after);
        } finally {
            lock.unlock();
        }
    }

    private void onWindowUpdate(Frame.WindowUpdate frame) throws ProtocolViolationException {
        lock.lock();
        try {
            if (frame.streamId() == 0) {
                connSendWindow += frame.increment();
                if (connSendWindow > Integer.MAX_VALUE) {
                    throw new ProtocolViolationException(ErrorCode.FLOW_CONTROL_ERROR,
                            "WINDOW_UPDATE on stream 0: connection credit grew to " + connSendWindow
                                    + ", over 2147483647");
                }
            } else {
                Stream stream = streams.get(frame.streamId());
                if (stream == null) {
                    return;
                }
                stream.sendWindow += frame.increment();
                if (stream.sendWindow > Integer.MAX_VALUE) {
                    throw new ProtocolViolationException(ErrorCode.FLOW_CONTROL_ERROR, "WINDOW_UPDATE on stream "
                            + frame.streamId() + ": credit grew to " + stream.sendWindow + ", over 2147483647");
                }
            }
            sendable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void onGoAway(Frame.GoAway frame, List<Runnable> after) {
        lock.lock();
        try {
            goAwayReceived = true;
            for (Stream stream : new ArrayList<>(streams.values())) {
                if (stream.local && stream.id > frame.lastStreamId()) {
                    failStream(stream, new StreamResetException(stream.id, ErrorCode.REFUSED_STREAM, "stream "
                            + stream.id + " was not processed: the peer is going away (" + frame.errorCode()
                            + (frame.message().isEmpty() ? "" : ": " + frame.message()) + ")"), null, null, after);
                }
            }
            if (frame.errorCode() != ErrorCode.NO_ERROR) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: peer sent GOAWAY {1}: {2}", id, frame.errorCode(),
                        frame.message());
            }
            closeIfDrained(after);
            after.add(() -> runOnExecutor(() -> peerGoingAway.complete(null)));
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // State changes; all called holding the lock

    private boolean isLocalId(int streamId) {
        return (streamId & 1) == (dialer ? 1 : 0);
    }

    private void consumed(Stream stream, long n) {
        stream.unackedConsumed += n;
        if (!stream.inEnded && stream.failure == null && stream.unackedConsumed >= settings.initialStreamWindow() / 2) {
            writer.enqueueControl(FrameCodec.encode(new Frame.WindowUpdate(stream.id, (int) stream.unackedConsumed)));
            stream.recvCredit += stream.unackedConsumed;
            stream.unackedConsumed = 0;
        }
        refund(n);
    }

    /** Gives the peer back connection credit for bytes that left our buffers. */
    private void refund(long n) {
        connUnacked += n;
        if (connUnacked >= settings.connectionWindow() / 2 && closedCause == null) {
            writer.enqueueControl(FrameCodec.encode(new Frame.WindowUpdate(0, (int) connUnacked)));
            connRecvCredit += connUnacked;
            connUnacked = 0;
        }
    }

    private void discardInbound(Stream stream) {
        if (stream.buffered > 0) {
            long n = stream.buffered;
            stream.inbound.clear();
            stream.buffered = 0;
            refund(n);
        }
    }

    private void outEnded(Stream stream, List<Runnable> after) {
        stream.outEnded = true;
        finishRequestBody(stream, after);
        maybeRemove(stream);
    }

    /** A handler has answered in full but not read the whole request body: tell the caller to stop. */
    private void finishRequestBody(Stream stream, List<Runnable> after) {
        if (!stream.local && stream.inputClosed && stream.outEnded && !stream.inEnded && stream.failure == null) {
            failStream(stream, new StreamResetException(stream.id, ErrorCode.NO_ERROR,
                    "stream " + stream.id + ": request body not needed"), ErrorCode.NO_ERROR,
                    "response complete; the rest of the request body is not needed", after);
        }
    }

    private void maybeRemove(Stream stream) {
        if (stream.outEnded && stream.inEnded && !stream.removed) {
            remove(stream);
        }
    }

    private void remove(Stream stream) {
        stream.removed = true;
        streams.remove(stream.id);
        if (stream.local) {
            activeLocal--;
        } else {
            activePeer--;
        }
        if (stream.deadline != null) {
            stream.deadline.cancel(false);
        }
        List<Runnable> after = new ArrayList<>(0);
        closeIfDrained(after);
        if (!after.isEmpty()) {
            runOnExecutor(() -> after.forEach(Runnable::run));
        }
    }

    /** Stops our sending on a stream whose receiving side is complete; the stream then ends. */
    private void failStreamOutbound(Stream stream, StreamResetException failure) {
        stream.failure = failure; // further writes of our body throw; the response already arrived
        connSendWindow += writer.purge(stream.id);
        stream.outEnded = true;
        if (!stream.removed) {
            remove(stream);
        }
        sendable.signalAll();
    }

    private void failStream(Stream stream, IOException failure, ErrorCode resetCode, String resetMessage,
            List<Runnable> after) {
        if (stream.failure != null) {
            return;
        }
        boolean wasOpen = !stream.removed;
        stream.failure = failure;
        if (wasOpen) {
            remove(stream);
        }
        if (!stream.inEnded) {
            discardInbound(stream); // incomplete: never let a reader take a cut body for a whole one
        }
        connSendWindow += writer.purge(stream.id);
        stream.readable.signalAll();
        sendable.signalAll();
        if (resetCode != null && wasOpen && closedCause == null) {
            writer.enqueueControl(FrameCodec.encode(new Frame.Reset(stream.id, resetCode, resetMessage)));
        }
        after.add(() -> {
            if (stream.response != null) {
                stream.response.completeExceptionally(failure);
            }
            if (!stream.local) {
                runOnExecutor(() -> stream.aborted.complete(failure)); // a handler's callbacks: never on I/O
            }
        });
    }

    private void closeIfDrained(List<Runnable> after) {
        if ((goAwaySent || goAwayReceived) && streams.isEmpty() && closedCause == null) {
            closedCause = new SocketClosedException(CloseCode.NORMAL.code(), "connection " + id + " closed after a graceful shutdown");
            writer.enqueueClose(CloseCode.NORMAL.code(), "drained");
            stopHeartbeat();
        }
    }

    private void protocolError(ProtocolViolationException e) {
        protocolError(e, e.errorCode() == ErrorCode.FRAME_SIZE_ERROR ? CloseCode.MESSAGE_TOO_BIG : CloseCode.PROTOCOL_ERROR);
    }

    private void protocolError(ProtocolViolationException e, CloseCode closeCode) {
        LOG.log(System.Logger.Level.DEBUG, "{0}: closing on protocol error: {1}", id, e.getMessage());
        lock.lock();
        try {
            if (closedCause == null) {
                writer.enqueueControl(FrameCodec.encode(new Frame.GoAway(lastPeerId, e.errorCode(), e.getMessage())));
            }
        } finally {
            lock.unlock();
        }
        closeWith(new SocketClosedException(closeCode.code(), "connection " + id + " closed: the peer broke the protocol: "
                + e.getMessage(), e), closeCode, e.errorCode().name(), false);
    }

    private void transportFailed(Throwable failure) {
        closeWith(new SocketClosedException(CloseCode.ABNORMAL.code(), "connection " + id + " lost: send failed: " + failure,
                failure), null, null, true);
    }

    private void heartbeatTick() {
        long now = System.nanoTime();
        long silentMillis = TimeUnit.NANOSECONDS.toMillis(now - lastReceivedNanos);
        if (silentMillis >= settings.heartbeatTimeoutMillis()) {
            closeWith(new SocketClosedException(CloseCode.HEARTBEAT_TIMEOUT.code(), "connection " + id
                    + ": the peer is dead: nothing received for " + silentMillis + " ms (heartbeat timeout "
                    + settings.heartbeatTimeoutMillis() + " ms)"), CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout", true);
            return;
        }
        long interval = TimeUnit.MILLISECONDS.toNanos(settings.heartbeatIntervalMillis());
        lock.lock();
        try {
            if (closedCause != null || silentMillis < settings.heartbeatIntervalMillis() || now - lastPingNanos < interval) {
                return;
            }
            lastPingNanos = now;
            writer.enqueuePing(ByteBuffer.allocate(8).putLong(now).flip());
        } finally {
            lock.unlock();
        }
        writer.flush();
    }

    private void stopHeartbeat() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
    }

    /**
     * Closes the connection once: fails every open stream with {@code cause}, then closes the
     * channel with {@code code} (none when the peer closed it), or aborts it.
     */
    private void closeWith(SocketClosedException cause, CloseCode code, String reason, boolean abortChannel) {
        List<Runnable> after = new ArrayList<>();
        boolean first;
        lock.lock();
        try {
            first = closedCause == null;
            if (first) {
                closedCause = cause;
                for (Stream stream : new ArrayList<>(streams.values())) {
                    failStream(stream, cause, null, null, after);
                }
                stopHeartbeat();
                if (code != null && !abortChannel) {
                    writer.enqueueClose(code.code(), reason);
                } else {
                    writer.seal();
                }
                sendable.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (!first) {
            return;
        }
        if (abortChannel) {
            if (code != null) {
                try {
                    channel.close(code.code(), reason); // best effort: a dead peer will not read it
                } catch (RuntimeException ignored) {
                    // the abort below is what counts
                }
            }
            channel.abort();
        } else if (code != null) {
            writer.flush();
        }
        finish(after);
    }

    // ---------------------------------------------------------------------------------------------

    private void finish(List<Runnable> after) {
        for (Runnable r : after) {
            r.run();
        }
        writer.flush();
    }

    Executor executor() {
        return config.executor();
    }

    void runOnExecutor(Runnable task) {
        try {
            config.executor().execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    static void closeQuietly(ClassicHttpResponse response) {
        try {
            response.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }

    private static String header(org.apache.hc.core5.http.HttpMessage message, String name) {
        var h = message.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }

    private static IOException asIOException(Throwable t) {
        if (t instanceof IOException io) {
            return io;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        return new IOException(t);
    }
}
