package io.swaggersocket.server;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Objects;

/**
 * Immutable and thread-safe: what an {@link Authenticator} decided about one request (an upgrade,
 * an admin call or an ingress call), {@link Accepted} (with an optional principal) or
 * {@link Rejected} (with status 401 or 403 and a message).
 */
public sealed interface AuthResult permits AuthResult.Accepted, AuthResult.Rejected {

    /** Accepts without naming anyone: {@code connection.principal()} is empty. */
    static AuthResult accept() {
        return new Accepted(null);
    }

    /** Accepts as {@code principal}, which the connection then reports from {@code principal()}. */
    static AuthResult accept(Principal principal) {
        return new Accepted(Objects.requireNonNull(principal, "principal"));
    }

    /**
     * Rejects with {@code status} (401 or 403). The {@code message} is sent to the agent in the
     * JSON body: it must not carry secrets.
     */
    static AuthResult reject(int status, String message) {
        return new Rejected(status, message);
    }

    /** Rejects with 401: the caller presented no credentials, or ones that are not valid. */
    static AuthResult unauthorized(String message) {
        return new Rejected(401, message);
    }

    /** Rejects with 403: the credentials are valid but not allowed to do this (open a tunnel, call the admin API). */
    static AuthResult forbidden(String message) {
        return new Rejected(403, message);
    }

    /** Immutable: the request may proceed; {@code principal} is {@code null} for an anonymous caller. */
    record Accepted(Principal principal) implements AuthResult {
    }

    /** Immutable: the request is refused with {@code status} and {@code message}. */
    record Rejected(int status, String message) implements AuthResult {
        /** The longest message sent: a rejection is a small answer, not a document. */
        static final int MAX_MESSAGE_BYTES = 1024;

        /**
         * @throws IllegalArgumentException when {@code status} is neither 401 nor 403, or the
         *         message is over 1024 UTF-8 bytes
         */
        public Rejected {
            if (status != 401 && status != 403) {
                throw new IllegalArgumentException("status: expected 401 or 403 but was " + status);
            }
            Objects.requireNonNull(message, "message");
            int bytes = message.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_MESSAGE_BYTES) {
                throw new IllegalArgumentException("message: " + bytes + " UTF-8 bytes is over the limit of "
                        + MAX_MESSAGE_BYTES);
            }
        }
    }
}
