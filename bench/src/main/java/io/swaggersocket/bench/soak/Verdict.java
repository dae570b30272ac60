package io.swaggersocket.bench.soak;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Immutable: how one call ended, and the rules that decide it. An answer is correct only when it is
 * a 200 carrying the call's own id and exactly the body sent (echo) or asked for (bytes); any other
 * 200 is a mismatch; any other status a failure of that kind ({@code HTTP 502}...).
 */
record Verdict(Tally.Outcome outcome, String detail, long bytes) {

    static Verdict correct(long bytes) {
        return new Verdict(Tally.Outcome.CORRECT, "", bytes);
    }

    static Verdict failed(String kind) {
        return failed(kind, "");
    }

    /** Failed with {@code kind}; {@code example}: what the caller got (a body, a message), for the report. */
    static Verdict failed(String kind, String example) {
        return new Verdict(Tally.Outcome.FAILED, kind + "\u0000" + example, 0);
    }

    /** A failure's kind (its detail is "kind NUL example"). */
    String kind() {
        int z = detail.indexOf('\u0000');
        return z < 0 ? detail : detail.substring(0, z);
    }

    String example() {
        int z = detail.indexOf('\u0000');
        return z < 0 ? "" : detail.substring(z + 1);
    }

    /** The failure's message chain, for the report's example of a kind. */
    static String message(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null && b.length() < 300; c = c.getCause()) {
            b.append(b.length() == 0 ? "" : " <- ").append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return b.toString();
    }

    static Verdict mismatched(String detail) {
        return new Verdict(Tally.Outcome.MISMATCHED, detail, 0);
    }

    /**
     * Judges an HTTP answer. {@code sha}: the answer's {@link Payload#SHA} header (echo only, else null
     * is expected); {@code expected}: the body the caller sent (echo) or asked for (bytes).
     */
    static Verdict judge(String call, boolean echo, int status, String id, String sha, byte[] body, String expectedId,
            byte[] expected) {
        if (status != 200) {
            return failed("HTTP " + status, new String(body, 0, Math.min(body.length, 200), java.nio.charset.StandardCharsets.UTF_8));
        }
        if (!expectedId.equals(id)) {
            return mismatched(call + ": the answer carries id " + id + ", expected " + expectedId);
        }
        if (echo && !Payload.sha256(expected).equals(sha)) {
            return mismatched(call + ": the handler received a body of SHA-256 " + sha + ", sent " + expected.length + " bytes");
        }
        if (!Arrays.equals(body, expected)) {
            return mismatched(call + ": 200 with " + body.length + " bytes that are not the " + expected.length + " expected");
        }
        return correct(expected.length);
    }

    /** The kind of a failure: a short, bounded name (never a message with ids in it). */
    static String kind(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (t instanceof ConnectException) {
            return "connect";
        }
        if (m.contains("reset")) {
            return "reset (" + t.getClass().getSimpleName() + ")";
        }
        if (t instanceof EOFException || t instanceof ClosedChannelException || m.contains("closed") || m.contains("eof")) {
            return "closed (" + t.getClass().getSimpleName() + ")";
        }
        if (t instanceof IOException) {
            return t.getClass().getSimpleName();
        }
        return "unexpected " + t.getClass().getName();
    }
}
