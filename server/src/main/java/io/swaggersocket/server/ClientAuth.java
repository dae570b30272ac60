package io.swaggersocket.server;

/**
 * Immutable and thread-safe (an enum): whether a TLS listener asks clients for a certificate, for
 * {@link SocketServer.Builder#clientCertificates}. Which certificates are valid is up to the trust
 * managers of the listener's {@link javax.net.ssl.SSLContext} (for example
 * {@link PemTls#serverContext(java.nio.file.Path, java.nio.file.Path, java.nio.file.Path)}): a
 * certificate they do not verify fails the TLS handshake in every mode that asks for one, so
 * {@link UpgradeRequest#clientCertificates()} only ever holds verified chains.
 */
public enum ClientAuth {
    /** The default: no certificate is asked for; {@link UpgradeRequest#clientCertificates()} is always empty. */
    NONE,
    /**
     * A client may present a certificate; one that presents none goes on and the
     * {@link Authenticator} judges it by other credentials, such as a bearer token.
     */
    REQUESTED,
    /** A client must present a valid certificate; without one the TLS handshake fails. */
    REQUIRED
}
