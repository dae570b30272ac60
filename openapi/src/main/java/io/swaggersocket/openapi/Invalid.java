package io.swaggersocket.openapi;

/**
 * A value that fails its schema: where (a JSON pointer relative to the validated value, {@code ""}
 * for the value itself) and why. Control flow inside validation, so it has no stack trace.
 */
final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    final String pointer;

    Invalid(String pointer, String message) {
        super(message, null, false, false);
        this.pointer = pointer;
    }
}
