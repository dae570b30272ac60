package io.swaggersocket.mux;

import io.swaggersocket.frame.ErrorCode;
import io.swaggersocket.frame.Frame;
import io.swaggersocket.frame.FrameCodec;
import io.swaggersocket.frame.ProtocolViolationException;
import io.swaggersocket.handshake.Settings;

/**
 * Flow-control accounting of one connection (PROTOCOL.md section 6): the connection's send window
 * and receive credit, and the WINDOW_UPDATEs that give credit back once half a window has been
 * consumed. Per-stream windows live in {@link Stream}; this class does the arithmetic on both.
 *
 * <p>Guarded by the connection's lock: every method is called holding it. It only queues
 * WINDOW_UPDATEs; the caller flushes the writer after releasing the lock.
 */
final class Credit {
    private final Settings settings;
    private final FrameWriter writer;
    private long connSendWindow;
    private long connRecvCredit;
    private long connUnacked;
    /** The connection is closed: no more connection credit is granted. */
    private boolean stopped;

    Credit(Settings settings, FrameWriter writer) {
        this.settings = settings;
        this.writer = writer;
        this.connSendWindow = settings.connectionWindow();
        this.connRecvCredit = settings.connectionWindow();
    }

    /** The connection is closed: grant no more connection credit. */
    void stop() {
        stopped = true;
    }

    /** Takes {@code n} bytes of DATA on {@code streamId} from the connection's receive credit. */
    void receive(int streamId, int n) throws ProtocolViolationException {
        if (n > connRecvCredit) {
            throw new ProtocolViolationException(ErrorCode.FLOW_CONTROL_ERROR, "DATA on stream " + streamId + ": "
                    + n + " bytes exceed the connection's remaining credit of " + connRecvCredit);
        }
        connRecvCredit -= n;
    }

    /** A reader took {@code n} bytes of {@code stream}: grant stream and connection credit back when due. */
    void consumed(Stream stream, long n) {
        stream.unackedConsumed += n;
        if (!stream.inEnded && stream.failure == null && stream.unackedConsumed >= settings.initialStreamWindow() / 2) {
            writer.enqueueControl(FrameCodec.encode(new Frame.WindowUpdate(stream.id, (int) stream.unackedConsumed)));
            stream.recvCredit += stream.unackedConsumed;
            stream.unackedConsumed = 0;
        }
        refund(n);
    }

    /** Gives the peer back connection credit for bytes that left our buffers. */
    void refund(long n) {
        connUnacked += n;
        if (connUnacked >= settings.connectionWindow() / 2 && !stopped) {
            writer.enqueueControl(FrameCodec.encode(new Frame.WindowUpdate(0, (int) connUnacked)));
            connRecvCredit += connUnacked;
            connUnacked = 0;
        }
    }

    /** Drops what {@code stream} has buffered and unread, refunding its connection credit. */
    void discardInbound(Stream stream) {
        if (stream.buffered > 0) {
            long n = stream.buffered;
            stream.inbound.clear();
            stream.buffered = 0;
            refund(n);
        }
    }

    /** Bytes {@code stream} may send now: the smaller of its window and the connection's. */
    long sendCredit(Stream stream) {
        return Math.min(stream.sendWindow, connSendWindow);
    }

    /** {@code n} payload bytes of {@code stream} were queued: take them from both windows. */
    void spend(Stream stream, int n) {
        stream.sendWindow -= n;
        connSendWindow -= n;
    }

    /** Payload bytes that were queued but purged before they left: the peer never counted them. */
    void unsent(long payload) {
        connSendWindow += payload;
    }

    /** The peer granted credit on the connection ({@code stream == null}, stream 0) or on {@code stream}. */
    void granted(Frame.WindowUpdate frame, Stream stream) throws ProtocolViolationException {
        if (frame.streamId() == 0) {
            connSendWindow += frame.increment();
            if (connSendWindow > Integer.MAX_VALUE) {
                throw new ProtocolViolationException(ErrorCode.FLOW_CONTROL_ERROR,
                        "WINDOW_UPDATE on stream 0: connection credit grew to " + connSendWindow
                                + ", over 2147483647");
            }
        } else {
            stream.sendWindow += frame.increment();
            if (stream.sendWindow > Integer.MAX_VALUE) {
                throw new ProtocolViolationException(ErrorCode.FLOW_CONTROL_ERROR, "WINDOW_UPDATE on stream "
                        + frame.streamId() + ": credit grew to " + stream.sendWindow + ", over 2147483647");
            }
        }
    }
}
