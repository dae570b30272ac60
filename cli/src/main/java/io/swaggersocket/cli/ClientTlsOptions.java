package io.swaggersocket.cli;

import io.swaggersocket.server.PemTls;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The TLS options of a command that dials the server ({@code agent}, {@code watch}): a client
 * certificate and key, a private CA to trust, or (tests only) no verification. A picocli mixin;
 * picocli fills one instance per run: not thread-safe.
 */
final class ClientTlsOptions {
    @Option(names = "--tls-cert", paramLabel = "PEM", description = "present this client certificate chain (with --tls-key)")
    Path tlsCert;

    @Mixin
    TlsKeyOptions keyOptions = new TlsKeyOptions();

    @Option(names = {"--ca-cert", "--tls-ca"}, paramLabel = "PEM",
            description = "trust the server certificates these CAs issued (a private CA); default: the system's trust")
    Path caCert;

    @Option(names = "--insecure-skip-verify", description = "trust any wss certificate, the server's name unchecked (tests only)")
    boolean insecure;

    /** Checks the combination against the server's address (certificates need {@code wss}). */
    void check(URI server) throws UsageException {
        keyOptions.check(tlsCert);
        if ((tlsCert != null || caCert != null) && !"wss".equals(server.getScheme())) {
            throw new UsageException("--tls-cert and --ca-cert need a wss:// --server");
        }
    }

    /**
     * The TLS context these options ask for, or {@code null} for the JVM's default (none given).
     *
     * @throws IOException a file cannot be read, or --insecure-skip-verify is given with certificates
     */
    static SSLContext context(boolean insecure, Path tlsCert, Path tlsKey, Path tlsKeyPasswordFile, Path caCert)
            throws IOException {
        if (insecure) {
            if (tlsCert != null || caCert != null) {
                throw new IOException("--insecure-skip-verify does not go with --tls-cert or --ca-cert");
            }
            return trustingEveryone();
        }
        if (tlsCert != null || caCert != null) {
            return PemTls.clientContext(tlsCert, tlsKey, TlsKeyOptions.password(tlsKeyPasswordFile), caCert);
        }
        return null;
    }

    /** {@link #context(boolean, Path, Path, Path, Path)} of these options. */
    SSLContext context() throws IOException {
        return context(insecure, tlsCert, keyOptions.tlsKey, keyOptions.tlsKeyPasswordFile, caCert);
    }

    /**
     * For --insecure-skip-verify: trusts every certificate and checks no name. An extended trust
     * manager, so that the JDK adds no host name check of its own.
     */
    static SSLContext trustingEveryone() throws IOException {
        TrustManager everyone = new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {everyone}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }
}
