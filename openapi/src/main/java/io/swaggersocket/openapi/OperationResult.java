package io.swaggersocket.openapi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

/**
 * Immutable and thread-safe: what an {@link Operation} returns when it chooses the status or adds
 * headers, as in {@code OperationResult.status(201).header("Location", "/pets/7").body(pet)}.
 * Each method returns a new instance.
 *
 * <p>The body is serialised as JSON unless it is an {@link org.apache.hc.core5.http.HttpEntity},
 * which is sent as it is; {@code null} means no body. A {@code Content-Type} header given here
 * replaces the JSON content type. A body with status 1xx, 204 or 304 is a bug in the operation
 * and answers 500.
 */
public final class OperationResult {
    private final int status;
    private final List<Header> headers;
    private final Object body;

    private OperationResult(int status, List<Header> headers, Object body) {
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** A result with this status, no headers and no body. */
    public static OperationResult status(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " is out of range [100, 599]");
        }
        return new OperationResult(status, List.of(), null);
    }

    /** This result with one more header (headers may repeat). */
    public OperationResult header(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isEmpty() || !isToken(name)) {
            throw new IllegalArgumentException("header name: '" + name + "' is not a valid token");
        }
        if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("header " + name + ": value contains CR or LF");
        }
        List<Header> more = new ArrayList<>(headers);
        more.add(new BasicHeader(name, value));
        return new OperationResult(status, Collections.unmodifiableList(more), body);
    }

    /** This result with this body (replacing any earlier one); {@code null} for none. */
    public OperationResult body(Object body) {
        return new OperationResult(status, headers, body);
    }

    /** The response status. */
    public int status() {
        return status;
    }

    /** The headers, in the order added. */
    public List<Header> headers() {
        return headers;
    }

    /** The body, or {@code null}. */
    public Object body() {
        return body;
    }

    @Override
    public String toString() {
        return "OperationResult[status=" + status + ", headers=" + headers + ", body="
                + (body == null ? "none" : body.getClass().getSimpleName()) + "]";
    }

    private static boolean isToken(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c > 32 && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
