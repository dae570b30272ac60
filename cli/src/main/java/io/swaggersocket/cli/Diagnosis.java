package io.swaggersocket.cli;

import io.swaggersocket.client.AuthenticationException;
import io.swaggersocket.handshake.CloseCode;
import io.swaggersocket.handshake.HandshakeException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * Failures to reach the server told in the user's terms, with what to do about them: the wrong
 * path, TLS on one side only, a server that is down. Stateless.
 */
final class Diagnosis {
    private Diagnosis() {
    }

    /** True for a refusal that waiting does not change: 401, 403, or a refused agent name. */
    static boolean isRefusal(Throwable failure) {
        return failure instanceof AuthenticationException
                || failure instanceof HandshakeException h && h.closeCode() == CloseCode.HANDSHAKE_REFUSED;
    }

    /** One line saying what went wrong in dialing {@code server}, and how to fix it where we can tell. */
    static String explain(Throwable failure, URI server) {
        String hostPort = server.getHost() + ":" + port(server);
        String message = String.valueOf(failure.getMessage());
        if (failure instanceof AuthenticationException a) {
            return a.status() == 403 ? "the server refused this agent (403): " + a.serverMessage()
                    : "the server refused the credentials (401): " + a.serverMessage();
        }
        if (failure instanceof HandshakeException h && h.closeCode() == CloseCode.HANDSHAKE_REFUSED) {
            return "the server refused this agent: " + message;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "cannot reach " + hostPort + " (connection refused: is the server running?)";
            }
            if (t instanceof UnknownHostException) {
                return "cannot reach " + hostPort + ": unknown host " + server.getHost();
            }
            if (t instanceof SSLException && String.valueOf(t.getMessage()).contains("nrecognized SSL message")) {
                return "the server at " + hostPort + " speaks plain ws://, not TLS; use " + with(server, "ws");
            }
        }
        if (message.matches("(?s).*expected 101 Switching Protocols.* but was (HTTP/\\S+ )?404\\b.*")) {
            String path = server.getRawPath() == null ? "" : server.getRawPath();
            return "the server at " + hostPort + " has no tunnel at " + (path.isEmpty() ? "/" : path)
                    + " (404): did you mean " + server.getScheme() + "://" + hostPort
                    + (path.replaceAll("/+$", "").endsWith("/tunnel") ? path : path.replaceAll("/+$", "") + "/tunnel")
                    + "?";
        }
        if ("ws".equals(server.getScheme()) && plainAgainstTls(failure)
                && Boolean.TRUE.equals(TlsProbe.speaksTls(server.getHost(), port(server), trustingEveryone()))) {
            return "the server at " + hostPort + " speaks TLS; use " + with(server, "wss");
        }
        if ("wss".equals(server.getScheme()) && message.contains("closed before the upgrade was answered")
                && Boolean.FALSE.equals(TlsProbe.speaksTls(server.getHost(), port(server), trustingEveryone()))) {
            return "the server at " + hostPort + " speaks plain ws://, not TLS; use " + with(server, "ws");
        }
        return "cannot connect to " + with(server, server.getScheme()) + ": " + message;
    }

    /**
     * Why a connection that was up ended, in the cause's own words, less the connection id and the
     * "lost" the log line says already: {@code the peer is dead: nothing received for 28001 ms ...}.
     * Not {@link #explain}, whose dialing advice (a TLS probe, "cannot connect") is wrong for a
     * connection that was up.
     */
    static String lost(Throwable cause, String connectionId) {
        String message = cause.getMessage() == null ? "" : cause.getMessage();
        String own = "connection " + connectionId;
        if (message.startsWith(own)) {
            message = message.substring(own.length()).replaceFirst("^:?\\s*(was )?(lost)?:?\\s*", "");
        }
        return message.isEmpty() ? cause.getClass().getSimpleName() : message;
    }

    /** A TLS server reading a plain request drops the connection or answers with a TLS alert. */
    private static boolean plainAgainstTls(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (t instanceof java.io.EOFException || m.contains("closed") || m.contains("reset")
                    || m.contains("status line") || m.contains("invalid") || m.contains("broken pipe")) {
                return true;
            }
        }
        return false;
    }

    private static SSLContext trustingEveryone() {
        try {
            return ClientTlsOptions.trustingEveryone();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("every JDK has TLS", e);
        }
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "wss".equals(uri.getScheme()) ? 443 : 80;
    }

    private static String with(URI server, String scheme) {
        return scheme + "://" + server.getHost() + (server.getPort() < 0 ? "" : ":" + server.getPort())
                + (server.getRawPath() == null ? "" : server.getRawPath());
    }
}
