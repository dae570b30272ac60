package io.swaggersocket.cli;

import io.swaggersocket.client.ReconnectPolicy;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Keeps an agent process up: retries the first connect for as long as it takes (the client
 * itself reconnects after later losses), ends with {@link Main#REFUSED} on a refusal waiting will
 * not fix, and drains on SIGTERM. One per process run; its {@link #run} is called once.
 */
final class AgentSupervisor {
    private final AgentCommand.Running running;
    private final ReconnectPolicy backoff;
    private final EventLog log;
    private final PrintStream err;
    /** Counted down by the shutdown hook: ends a backoff wait at once. */
    private final CountDownLatch stopping = new CountDownLatch(1);

    private final boolean onSignal;

    /**
     * @param onSignal whether SIGTERM and Ctrl-C stop it (with status 0), through a shutdown hook:
     *        false when embedded or tested, where {@link #stop} does
     */
    AgentSupervisor(AgentCommand.Running running, ReconnectPolicy backoff, EventLog log, PrintStream err,
            boolean onSignal) {
        this.onSignal = onSignal;
        this.running = running;
        this.backoff = backoff;
        this.log = log;
        this.err = err;
    }

    /** Runs until stopped (0) or refused (3); returns the exit status. */
    int run() throws InterruptedException {
        if (onSignal) {
            Shutdown.onSignal("swaggersocket-agent-shutdown", this::stop);
        }
        var server = running.options().server();
        for (int attempt = 1; ; attempt++) {
            if (stopping.getCount() == 0) {
                return Main.OK;
            }
            try {
                running.client().connect();
                break;
            } catch (IOException e) {
                String reason = Diagnosis.explain(e, server);
                if (Diagnosis.isRefusal(e)) {
                    return refused(reason);
                }
                if (stopping.getCount() == 0 || running.client().isClosed()) {
                    return Main.OK;
                }
                Duration delay = backoff.delay(attempt, ThreadLocalRandom.current()::nextDouble);
                log.warn(reason + "; retrying in " + String.format(Locale.ROOT, "%.1f s", delay.toMillis() / 1000.0),
                        "event", "retry", "attempt", attempt, "reason", reason, "retryInMillis", delay.toMillis());
                // the wait ends early on SIGTERM; a bounded wait either way
                if (stopping.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                    return Main.OK;
                }
            } catch (IllegalStateException closedMeanwhile) {
                return Main.OK; // the hook closed the client between the check and connect()
            }
        }
        Throwable gaveUp = running.awaitStopped();
        if (gaveUp == null) {
            return Main.OK;
        }
        return refused(Diagnosis.explain(gaveUp, server));
    }

    /** Stops retrying and drains the tunnel: {@link #run} then returns 0. Idempotent. */
    void stop() {
        stopping.countDown();
        running.close();
    }

    private int refused(String reason) {
        log.warn("refused: " + reason + "; not retrying", "event", "refused", "reason", reason);
        err.println("swaggersocket agent: " + reason);
        running.close();
        return Main.REFUSED;
    }
}
