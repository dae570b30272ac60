package io.swaggersocket.openapi;

/**
 * A request the handler refuses, with everything its problem body carries. Thrown within the
 * handler only; control flow, so it has no stack trace.
 */
final class Rejection extends Exception {
    private static final long serialVersionUID = 1L;

    final int status;
    final String parameter;
    final String in;
    final String pointer;
    final String allow;

    private Rejection(int status, String detail, String parameter, String in, String pointer, String allow) {
        super(detail, null, false, false);
        this.status = status;
        this.parameter = parameter;
        this.in = in;
        this.pointer = pointer;
        this.allow = allow;
    }

    Rejection(int status, String detail) {
        this(status, detail, null, null, null, null);
    }

    static Rejection methodNotAllowed(String detail, String allow) {
        return new Rejection(405, detail, null, null, null, allow);
    }

    static Rejection parameter(String name, String in, String detail) {
        return new Rejection(400, detail, name, in, null, null);
    }

    /** A body value at {@code pointer} (a JSON pointer, {@code ""} for the whole body) is invalid. */
    static Rejection body(String pointer, String message) {
        return new Rejection(400, "body" + (pointer.isEmpty() ? "" : " " + pointer) + ": " + message, null, null,
                pointer, null);
    }

    String detail() {
        return getMessage();
    }
}
