package io.swaggersocket.server;

import java.io.IOException;
import java.net.InetAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * One TLS handshake between two JDK contexts over 127.0.0.1, on a plain {@link SSLServerSocket}:
 * the smallest proof that a context built from PEM files really serves TLS.
 */
final class LoopbackTls {
    private static final int TIMEOUT_MS = 20_000;

    /** What each side saw of the other: the chain the client received, the one the server received. */
    record Seen(List<X509Certificate> serverChain, List<X509Certificate> clientChain) {
    }

    private LoopbackTls() {
    }

    /**
     * Handshakes {@code client} against {@code server}, the server needing a client certificate
     * when {@code needClientAuth}; one byte crosses each way so both ends finished the handshake.
     */
    static Seen handshake(SSLContext server, SSLContext client, boolean needClientAuth) throws Exception {
        ExecutorService acceptor = Executors.newSingleThreadExecutor();
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(needClientAuth);
            listener.setSoTimeout(TIMEOUT_MS);
            Future<List<X509Certificate>> accepted = acceptor.submit(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.setSoTimeout(TIMEOUT_MS);
                    s.getOutputStream().write(1);
                    s.getOutputStream().flush();
                    if (s.getInputStream().read() != 2) {
                        throw new IOException("expected byte 2 from the client");
                    }
                    return chain(s);
                }
            });
            List<X509Certificate> serverChain;
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
                    listener.getLocalPort())) {
                s.setSoTimeout(TIMEOUT_MS);
                s.startHandshake();
                serverChain = chain(s);
                if (s.getInputStream().read() != 1) {
                    throw new IOException("expected byte 1 from the server");
                }
                s.getOutputStream().write(2);
                s.getOutputStream().flush();
            }
            return new Seen(serverChain, accepted.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        } finally {
            acceptor.shutdownNow();
            if (!acceptor.awaitTermination(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("acceptor thread did not stop");
            }
        }
    }

    private static List<X509Certificate> chain(SSLSocket s) {
        try {
            Certificate[] peer = s.getSession().getPeerCertificates();
            return Arrays.stream(peer).map(X509Certificate.class::cast).toList();
        } catch (SSLPeerUnverifiedException e) {
            return List.of(); // the client sent no certificate
        }
    }
}
