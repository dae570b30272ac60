package io.swaggersocket.mux;

import com.fasterxml.jackson.databind.JsonNode;
import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.HttpRequestHandler;

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
 * released. The jobs behind this facade share that lock: {@link StreamTable} (ids and open
 * streams), {@link Credit} (flow-control accounting), {@link Heartbeat} (liveness),
 * {@link Lifecycle} (how streams and the connection end), {@link Inbound} (frame dispatch),
 * {@link StreamBodies} (reading and writing bodies) and {@link FrameWriter} (the single writer).
 */
public final class SocketConnection implements Closeable {
    private final String id;
    private final JsonNode metadata;
    private final Principal principal;
    private final SocketAddress remoteAddress;
    private final Instant connectedAt = Instant.now();
    private final boolean dialer;
    private final boolean upgrades;
    /** Whether both ends use the feature "continue" (Expect: 100-continue end to end). */
    private final boolean continues;
    private final Settings settings;
    private final ConnectionConfig config;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a body writer may be able to go on: credit, queue space, or failure. */
    private final Condition sendable = lock.newCondition();
    private final FrameWriter writer;
    private final StreamTable table;
    private final Credit credit;
    private final Lifecycle lifecycle;
    private final StreamBodies bodies;
    private final Inbound inbound;

    SocketConnection(MessageChannel channel, ConnectionConfig config, Settings settings, boolean dialer, String id,
            JsonNode metadata, Principal principal, HttpRequestHandler handler, java.util.List<String> features) {
        this.config = config;
        this.upgrades = features.contains(io.swaggersocket.handshake.Protocol.FEATURE_UPGRADE);
        this.continues = features.contains(io.swaggersocket.handshake.Protocol.FEATURE_CONTINUE);
        this.settings = settings;
        this.dialer = dialer;
        this.id = id;
        this.metadata = metadata;
        this.principal = principal;
        this.remoteAddress = channel.remoteAddress();
        // A send failure can only come after the constructor, once lifecycle is set.
        this.writer = new FrameWriter(channel, lock, sendable, settings.maxFrameSize(), this::transportFailed);
        this.table = new StreamTable(dialer);
        this.credit = new Credit(settings, writer);
        this.lifecycle = new Lifecycle(id, config, channel, lock, sendable, writer, table, credit, settings, dialer);
        this.bodies = new StreamBodies(settings, lock, sendable, writer, credit, lifecycle);
        this.inbound = new Inbound(this, settings, config, lock, sendable, writer, table, credit, lifecycle, bodies,
                handler);
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
        return lifecycle.isOpen();
    }

    /** Streams open now, in both directions. */
    public int activeStreams() {
        lock.lock();
        try {
            return table.size();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of frames (binary messages) received so far. */
    public long bytesIn() {
        return inbound.bytesIn();
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
        return lifecycle.closeFuture().minimalCompletionStage();
    }

    /**
     * Completes when the peer sends GOAWAY: it is draining, so open no new work here (a dialer
     * reconnects now rather than when the last stream ends). Never completes if the connection
     * ends otherwise.
     */
    public CompletionStage<Void> peerGoingAway() {
        return lifecycle.peerGoingAway().minimalCompletionStage();
    }

    /**
     * Makes this side answer the peer's requests with {@code handler}, replacing any earlier one.
     * Handlers run on the configured executor, never on an I/O thread; one that throws gives the
     * caller a 500. A {@link LayeredHandler} given at accept or dial stays in front of it.
     */
    public void serve(HttpRequestHandler handler) {
        inbound.serve(handler);
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
     * Sends {@code request} and waits for the response head. A body of known length within the
     * stream's initial credit is written on this thread; a longer or chunked one on the configured
     * executor, so that a handler that answers before reading the whole upload is not left waiting
     * for this thread to read its answer.
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
            if (exchange.fitsInitialWindow(settings.initialStreamWindow())) {
                writeBody(exchange);
            } else {
                writeBodyAside(exchange);
            }
        }
        return awaitHead(exchange.stream);
    }

    /** Waits on this thread for the stream's response head; an interrupt cancels the stream. */
    private ClassicHttpResponse awaitHead(Stream stream) throws IOException {
        try {
            return stream.response.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            bodies.abort(stream, ErrorCode.CANCEL, "caller was interrupted");
            throw new InterruptedIOException("stream " + stream.id + ": interrupted waiting for the response");
        } catch (ExecutionException e) {
            throw asIOException(e.getCause());
        }
    }

    /**
     * Whether both ends offer HTTP upgrades over streams (the handshake feature {@code "upgrade"}):
     * false when the peer runs a version without them or turned them off.
     */
    public boolean supportsUpgrades() {
        return upgrades;
    }

    /**
     * Whether both ends carry {@code Expect: 100-continue} end to end (the handshake feature
     * {@code "continue"}): a request that expects it waits up to {@link ConnectionConfig#continueTimeout()}
     * for the peer's {@code 100}, sent when its handler first reads the body, and sends no body at
     * all when the final answer comes first.
     */
    public boolean supportsContinue() {
        return continues;
    }

    /**
     * Sends an upgrade request (it has an {@code Upgrade} header, such as {@code websocket}, and no
     * body) and waits up to {@code timeout} for the response head. When the peer's handler accepts
     * with {@code 101 Switching Protocols}, the stream becomes a two-way byte stream under the same
     * flow control: {@link UpgradedStream#output()} and {@link UpgradedStream#input()}. Any other
     * answer comes back as an ordinary response with its body.
     *
     * @param timeout how long to wait for the response head; {@link Duration#ZERO} for no limit
     * @throws IllegalStateException the peer does not support upgrades ({@link #supportsUpgrades})
     * @throws IllegalArgumentException the request has no {@code Upgrade} header, or has a body
     * @throws SocketTimeoutException the response head did not come in time (the stream is reset)
     * @throws StreamResetException the peer reset or refused the stream
     * @throws SocketClosedException the connection is closed or was lost
     */
    public UpgradedStream upgrade(ClassicHttpRequest request, Duration timeout) throws IOException {
        Objects.requireNonNull(request, "request");
        if (!upgrades) {
            throw new IllegalStateException("connection " + id + ": the peer does not support upgrades over streams"
                    + " (the handshake feature \"upgrade\" was not agreed: an older version, or turned off)");
        }
        if (!request.containsHeader(org.apache.hc.core5.http.HttpHeaders.UPGRADE)) {
            throw new IllegalArgumentException("request: expected an Upgrade header but it has none");
        }
        if (request.getEntity() != null) {
            throw new IllegalArgumentException("request: an upgrade request carries no body; its stream carries "
                    + "the upgraded bytes after the 101");
        }
        Exchange exchange = open(request, timeout, true);
        ClassicHttpResponse response = awaitHead(exchange.stream);
        StreamOutput output = new StreamOutput(bodies, exchange.stream, settings.maxFrameSize(), HttpHeads.UNKNOWN_LENGTH);
        if (response.getCode() != org.apache.hc.core5.http.HttpStatus.SC_SWITCHING_PROTOCOLS) {
            try {
                output.close(); // the request had no body: end our side
            } catch (IOException e) {
                // the peer has answered in full and reset our side already: nothing to end
            }
            return new UpgradedStream(response, null, null);
        }
        return new UpgradedStream(response, UpgradedStream.content(response), output);
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
                bodies.abort(stream, ErrorCode.CANCEL, "cancelled by the caller");
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
                bodies.abort(stream, ErrorCode.CANCEL, "no thread to write the request body");
            }
        }
        return result;
    }

    /**
     * Starts a graceful shutdown: sends GOAWAY, refuses new streams in both directions, and lets
     * the streams in flight finish; the channel closes with 1000 when the last one ends.
     */
    public void shutdown() {
        lifecycle.shutdown();
    }

    /** Waits until the connection is closed; true if it closed within {@code timeout}. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        try {
            lifecycle.closeFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            // closed by a failure: still terminated
        } catch (TimeoutException e) {
            return false;
        }
        return true;
    }

    /** Closes at once: every open stream fails with one {@link SocketClosedException}; the channel closes with 1001. */
    public void shutdownNow() {
        lifecycle.closeWith(new SocketClosedException(CloseCode.GOING_AWAY.code(),
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
        lifecycle.closeWith(new SocketClosedException(code.code(), "connection " + id + " was closed by this side: " + reason),
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
        /** A body of known length within the initial credit never waits for the peer to read. */
        boolean fitsInitialWindow(int initialStreamWindow) {
            return bodyLength >= 0 && bodyLength <= initialStreamWindow;
        }
    }

    private Exchange open(ClassicHttpRequest request, Duration timeout) throws IOException {
        return open(request, timeout, false);
    }

    private Exchange open(ClassicHttpRequest request, Duration timeout, boolean upgrade) throws IOException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " is negative");
        }
        long bodyLength = HttpHeads.requestBodyLength(request);
        byte[] head = HttpHeads.writeRequest(request, bodyLength, upgrade);
        if (head.length > settings.maxHeaderSize()) {
            throw new IllegalArgumentException("request head of " + head.length
                    + " bytes is over the negotiated maxHeaderSize " + settings.maxHeaderSize());
        }
        boolean hasBody = upgrade || bodyLength != HttpHeads.NO_BODY && bodyLength != 0; // upgrade: the stream stays open
        Stream stream;
        lock.lock();
        try {
            SocketClosedException closed = lifecycle.closedCause();
            if (closed != null) {
                throw closed;
            }
            if (lifecycle.goingAway()) {
                throw new StreamResetException(0, ErrorCode.REFUSED_STREAM,
                        "connection " + id + " is shutting down; the request was not sent");
            }
            if (table.activeLocal() >= settings.maxConcurrentStreams()) {
                throw new StreamResetException(0, ErrorCode.REFUSED_STREAM, "connection " + id + " has "
                        + table.activeLocal() + " streams open, the negotiated maxConcurrentStreams; the request was not sent");
            }
            if (table.localIdsExhausted()) {
                throw new StreamResetException(0, ErrorCode.REFUSED_STREAM,
                        "connection " + id + " has used up its stream ids; open a new connection");
            }
            stream = table.openLocal(lock.newCondition(), settings.initialStreamWindow());
            stream.outEnded = !hasBody;
            stream.upgrade = upgrade;
            if (continues && hasBody && !upgrade && HttpHeads.expectsContinue(request)) {
                stream.continued = new CompletableFuture<>();
            }
            writer.enqueueControl(FrameCodec.encode(new Frame.Headers(stream.id, head, !hasBody)));
            if (!timeout.isZero()) {
                stream.deadline = config.scheduler().schedule(() -> timedOut(stream, timeout),
                        timeout.toNanos(), TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
        }
        writer.flush();
        return new Exchange(stream, hasBody && !upgrade ? request.getEntity() : null, bodyLength);
    }

    /**
     * Writes a body that may outgrow the stream's credit on the executor, so this thread is free to
     * take the response head: a handler that answers at length before reading the upload needs the
     * caller to read that answer before it can finish and release the caller's upload with RESET
     * NO_ERROR; a caller blocked writing the upload would wait on it forever.
     */
    private void writeBodyAside(Exchange exchange) {
        try {
            config.executor().execute(() -> writeBody(exchange));
        } catch (RejectedExecutionException e) {
            writeBody(exchange);
        }
    }

    private void writeBody(Exchange exchange) {
        if (exchange.stream.continued != null && !mayContinue(exchange.stream)) {
            return; // the final answer came first: the body is not sent (the peer resets our side)
        }
        try {
            bodies.writeEntity(exchange.stream, exchange.body, exchange.bodyLength, ErrorCode.CANCEL);
        } catch (IOException e) {
            // The stream is reset and its response future failed with the cause, or it holds a
            // response the peer sent before it stopped reading our body.
        }
    }

    /**
     * Waits up to the continue timeout for the peer's 100 or its final answer; true when the body
     * should go (the 100 came, or neither did in time: RFC 9110 lets a client send it then).
     */
    private boolean mayContinue(Stream stream) {
        try {
            CompletableFuture.anyOf(stream.continued, stream.response)
                    .get(config.continueTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return true;
        } catch (ExecutionException e) {
            return false; // the stream failed: its users have the failure
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            bodies.abort(stream, ErrorCode.CANCEL, "caller was interrupted");
            return false;
        }
        return stream.continued.isDone();
    }

    private void timedOut(Stream stream, Duration timeout) {
        List<Runnable> after = new ArrayList<>();
        lock.lock();
        try {
            if (!stream.response.isDone()) {
                lifecycle.failStream(stream, new SocketTimeoutException("stream " + stream.id + ": no response within " + timeout),
                        ErrorCode.CANCEL, "caller timed out after " + timeout, after);
            }
        } finally {
            lock.unlock();
        }
        lifecycle.finish(after);
    }

    // ---------------------------------------------------------------------------------------------
    // Package-private glue: Handshake delivers the channel's messages here once it is established

    /** The connection is established: start the heartbeat. */
    void start() {
        lifecycle.heartbeat().start();
    }

    void onBinary(ByteBuffer message) {
        inbound.onBinary(message);
    }

    void onText(String text) {
        inbound.onText(text);
    }

    void onLiveness() {
        lifecycle.heartbeat().received();
    }

    void onClose(int code, String reason) {
        lifecycle.channelClosed(code, reason);
    }

    private void transportFailed(Throwable failure) {
        lifecycle.transportFailed(failure);
    }

    Executor executor() {
        return config.executor();
    }

    void runOnExecutor(Runnable task) {
        lifecycle.runOnExecutor(task);
    }

    static void closeQuietly(ClassicHttpResponse response) {
        try {
            response.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
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
