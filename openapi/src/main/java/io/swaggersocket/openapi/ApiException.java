package io.swaggersocket.openapi;

/**
 * Immutable and thread-safe: thrown by an {@link Operation} to answer with an error status and an
 * RFC 7807 problem body ({@code application/problem+json}) whose {@code detail} is this
 * exception's message. It is an expected outcome, so the handler does not log it.
 */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    /**
     * @param status an error status in [400, 599]
     * @param detail the problem's {@code detail}, shown to the caller: never put secrets in it
     */
    public ApiException(int status, String detail) {
        this(status, detail, null);
    }

    /**
     * @param status an error status in [400, 599]
     * @param detail the problem's {@code detail}, shown to the caller: never put secrets in it
     * @param cause kept for the operation's own logging; never sent
     */
    public ApiException(int status, String detail, Throwable cause) {
        super(detail, cause);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " is out of range [400, 599]");
        }
        this.status = status;
    }

    /** The response status. */
    public int status() {
        return status;
    }

    /** The problem's {@code detail}. */
    public String detail() {
        return getMessage();
    }
}
