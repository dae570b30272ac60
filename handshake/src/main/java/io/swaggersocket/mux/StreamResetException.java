package io.swaggersocket.mux;

import io.swaggersocket.frame.ErrorCode;
import java.io.IOException;

/**
 * A stream ended abnormally: the peer reset it, this side cancelled it, or it was refused before
 * being opened. {@link #isRetryable()} says whether the far side never processed the request.
 */
public final class StreamResetException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int streamId;
    private final ErrorCode errorCode;

    public StreamResetException(int streamId, ErrorCode errorCode, String message) {
        super(message);
        this.streamId = streamId;
        this.errorCode = errorCode;
    }

    /** The stream, or 0 when the stream was refused before it got an id. */
    public int streamId() {
        return streamId;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    /** True when the request was not processed at all, so sending it again is safe. */
    public boolean isRetryable() {
        return errorCode == ErrorCode.REFUSED_STREAM;
    }
}
