package io.swaggersocket.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * Asks a server whether it speaks TLS, to explain a failed dial: one TLS handshake that trusts any
 * certificate (nothing is sent after it), bounded by a timeout. Stateless and thread-safe.
 */
final class TlsProbe {
    /** How long a probe may take: connect plus handshake. */
    static final Duration TIMEOUT = Duration.ofSeconds(3);

    private TlsProbe() {
    }

    /** True: a TLS handshake completed; false: the server answered something that is not TLS; null: unknown. */
    static Boolean speaksTls(String host, int port, SSLContext trustingEveryone) {
        int millis = (int) TIMEOUT.toMillis();
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(host, port), millis);
            raw.setSoTimeout(millis);
            try (SSLSocket tls = (SSLSocket) trustingEveryone.getSocketFactory().createSocket(raw, host, port, false)) {
                tls.startHandshake();
                return true;
            }
        } catch (SSLException e) {
            // a plain HTTP server answers the ClientHello with "HTTP/1.1 400": not a TLS record
            return String.valueOf(e.getMessage()).contains("nrecognized SSL message") ? Boolean.FALSE : null;
        } catch (IOException e) {
            return null;
        }
    }
}
