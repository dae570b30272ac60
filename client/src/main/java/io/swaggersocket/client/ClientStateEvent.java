package io.swaggersocket.client;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Immutable and thread-safe: one change of a {@link SocketClient}'s state.
 *
 * @param state the new state
 * @param attempt the attempt this event belongs to, counted from 1 since the last successful
 *        connect; 0 for a {@link ClientState#DISCONNECTED} that reports the loss of a connection,
 *        and for {@link ClientState#CLOSED}
 * @param connectionId the server-assigned id, for {@link ClientState#CONNECTED} and for a
 *        {@link ClientState#DISCONNECTED} that follows the loss of a connection; otherwise {@code null}
 * @param cause why the client is not connected: for {@link ClientState#DISCONNECTED}, and for a
 *        {@link ClientState#CLOSED} that the client decided itself (such as an
 *        {@link AuthenticationException}); otherwise {@code null}
 * @param retryDelay for {@link ClientState#DISCONNECTED}, the delay before the next attempt, or
 *        {@code null} when none is scheduled
 */
public record ClientStateEvent(ClientState state, int attempt, String connectionId, Throwable cause,
        Duration retryDelay) {

    public ClientStateEvent {
        Objects.requireNonNull(state, "state");
        if (attempt < 0) {
            throw new IllegalArgumentException("attempt: " + attempt + " is negative");
        }
    }

    /** The cause, if any. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(cause);
    }

    /** The delay before the next attempt, if one is scheduled. */
    public Optional<Duration> nextAttemptIn() {
        return Optional.ofNullable(retryDelay);
    }
}
