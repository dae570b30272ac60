package io.swaggersocket.server;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Stateless and thread-safe: builds {@link SSLContext}s from PEM files, the form certificates come
 * in from Let's Encrypt, openssl and most CAs: the server's, optionally trusting CAs for client
 * certificates, and an agent's, optionally with a client certificate. The files are read with
 * BouncyCastle (bcpkix); the contexts are the JDK's own.
 *
 * <pre>{@code
 * SSLContext tls = PemTls.serverContext(Path.of("fullchain.pem"), Path.of("privkey.pem"));
 * SocketServer server = SocketServer.builder().bind("0.0.0.0", 8443).sslContext(tls).build();
 *
 * // an encrypted key, its password in a file of its own
 * char[] password = PemTls.readPassword(Path.of("key-password.txt"));
 * SSLContext locked = PemTls.serverContext(Path.of("fullchain.pem"), Path.of("privkey.pem"), password, null);
 *
 * // client certificates: the server trusts clients-ca.pem, the agent trusts the server's CA
 * SSLContext mtls = PemTls.serverContext(Path.of("fullchain.pem"), Path.of("privkey.pem"),
 *         Path.of("clients-ca.pem"));
 * SocketServer.builder().bind("0.0.0.0", 8443).sslContext(mtls).clientCertificates(ClientAuth.REQUIRED)...
 * SSLContext agent = PemTls.clientContext(Path.of("agent.pem"), Path.of("agent-key.pem"),
 *         Path.of("server-ca.pem"));
 * }</pre>
 *
 * <p>The certificate file holds the chain, the server's (or agent's) certificate first, then its
 * intermediates, all of which are sent in the handshake. The key file holds one private key (RSA,
 * EC, Ed25519 or Ed448) as:
 * <ul>
 * <li>PKCS#8, {@code BEGIN PRIVATE KEY};
 * <li>PKCS#8 encrypted, {@code BEGIN ENCRYPTED PRIVATE KEY} (openssl's default since 3.0), with a
 *     password;
 * <li>PKCS#1 RSA, {@code BEGIN RSA PRIVATE KEY}, or SEC1 EC, {@code BEGIN EC PRIVATE KEY}, either
 *     possibly encrypted the legacy OpenSSL way ({@code Proc-Type: 4,ENCRYPTED}), with a password.
 * </ul>
 * Other blocks in either file are skipped, so one file holding both works for both. The key is
 * checked against the certificate by signing a few bytes with it. A trust file holds one or more
 * {@code CERTIFICATE} blocks. Every failure is an {@link IOException} whose message names the file
 * and says what to do about it.
 */
public final class PemTls {
    private PemTls() {
    }

    /**
     * An SSLContext that presents the chain in {@code certificateChain} with the unencrypted key in
     * {@code privateKey}, for {@link SocketServer.Builder#sslContext}.
     *
     * @throws IOException with a message naming the file and what is wrong with it: {@code cannot
     *         read certificate /x.pem: ...}, {@code cannot read private key /k.pem: ...}, or that the
     *         key does not belong to the certificate
     */
    public static SSLContext serverContext(Path certificateChain, Path privateKey) throws IOException {
        return serverContext(certificateChain, privateKey, null, null);
    }

    /**
     * As {@link #serverContext(Path, Path)}, and trusting the CA certificates in
     * {@code trustedClientCas} (one or more {@code CERTIFICATE} blocks; other blocks are skipped)
     * to verify client certificates, for a server built with
     * {@link SocketServer.Builder#clientCertificates} {@link ClientAuth#REQUESTED} or
     * {@link ClientAuth#REQUIRED}. Only these CAs are trusted, never the JDK's defaults. A
     * certificate in the file may also be a client's own self-signed one, which is then trusted
     * as it is.
     *
     * @throws IOException with a message naming the file at fault, as for the two-argument form,
     *         or {@code cannot read trusted CA certificates /ca.pem: ...}
     */
    public static SSLContext serverContext(Path certificateChain, Path privateKey, Path trustedClientCas)
            throws IOException {
        Objects.requireNonNull(trustedClientCas, "trustedClientCas");
        return serverContext(certificateChain, privateKey, null, trustedClientCas);
    }

    /**
     * As {@link #serverContext(Path, Path, Path)}, with a password for an encrypted key.
     *
     * @param keyPassword the password of {@code privateKey}, or {@code null} when it is not
     *        encrypted (a password given for a key that is not encrypted is ignored); read only,
     *        the caller may wipe it afterwards
     * @param trustedClientCas CA certificates to verify client certificates with, or {@code null}
     *        for a server that does not ask for them
     * @throws IOException as for the other forms, and {@code cannot read private key /k.pem: wrong
     *         password ...} or {@code ... the key is encrypted; give its password ...}
     */
    public static SSLContext serverContext(Path certificateChain, Path privateKey, char[] keyPassword,
            Path trustedClientCas) throws IOException {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
        return context(keyManagers(certificateChain, privateKey, keyPassword),
                trustedClientCas == null ? null : trustManagers(trustedClientCas));
    }

    /**
     * An SSLContext for an agent dialing {@code wss://} (the client module's
     * {@code SocketClient.Builder.sslContext}) or any JDK client: it presents the client
     * certificate chain in {@code certificateChain} (the agent's certificate first) with the key in
     * {@code privateKey} when the server asks for one, and verifies the server against the CA
     * certificates in {@code trustedCas}.
     *
     * <p>The JDK presents the certificate only to a server whose list of acceptable CAs covers the
     * chain (or that names none); to any other it sends no certificate, as if it had none.
     *
     * @param certificateChain the client certificate chain, or {@code null} for no client
     *        certificate (then {@code privateKey} is {@code null} too)
     * @param privateKey the client certificate's unencrypted key, or {@code null} with no certificate
     * @param trustedCas CA certificates to verify the server with, or {@code null} for the JDK's
     *        default trust store
     * @throws IOException with a message naming the file at fault, as for {@link #serverContext}
     * @throws IllegalArgumentException when only one of {@code certificateChain} and
     *         {@code privateKey} is given
     */
    public static SSLContext clientContext(Path certificateChain, Path privateKey, Path trustedCas)
            throws IOException {
        return clientContext(certificateChain, privateKey, null, trustedCas);
    }

    /**
     * As {@link #clientContext(Path, Path, Path)}, with a password for an encrypted key.
     *
     * @param keyPassword the password of {@code privateKey}, or {@code null} when it is not
     *        encrypted or there is no key; read only, the caller may wipe it afterwards
     * @throws IOException as for the three-argument form, and for a wrong or missing password
     * @throws IllegalArgumentException when only one of {@code certificateChain} and
     *         {@code privateKey} is given
     */
    public static SSLContext clientContext(Path certificateChain, Path privateKey, char[] keyPassword,
            Path trustedCas) throws IOException {
        if ((certificateChain == null) != (privateKey == null)) {
            throw new IllegalArgumentException(certificateChain == null
                    ? "certificateChain: expected the certificate of private key " + privateKey + " but was none"
                    : "privateKey: expected the key of certificate " + certificateChain + " but was none");
        }
        KeyManager[] keys = certificateChain == null ? null
                : keyManagers(certificateChain, privateKey, keyPassword);
        return context(keys, trustedCas == null ? null : trustManagers(trustedCas));
    }

    /**
     * The password in {@code passwordFile}: its first line without the line break, as
     * {@code openssl ... -passin file:PATH} reads it, for the {@code keyPassword} of
     * {@link #serverContext(Path, Path, char[], Path)} and
     * {@link #clientContext(Path, Path, char[], Path)}. A file keeps the password out of the
     * command line and the environment, where other users and logs may see it.
     *
     * @throws IOException {@code cannot read key password file /p.txt: ...} when the file is
     *         missing, unreadable or its first line is empty
     */
    public static char[] readPassword(Path passwordFile) throws IOException {
        return PemFiles.password(Objects.requireNonNull(passwordFile, "passwordFile"));
    }

    /** Key managers holding the chain and its key, checked to belong together. */
    private static KeyManager[] keyManagers(Path certificateChain, Path privateKey, char[] keyPassword)
            throws IOException {
        List<X509Certificate> chain = readCertificates(certificateChain);
        PrivateKey key = PemFiles.privateKey(privateKey, keyPassword);
        KeyPairCheck.check(key, chain, certificateChain, privateKey);
        try {
            char[] password = new char[16];
            SecureRandom random = new SecureRandom();
            for (int i = 0; i < password.length; i++) {
                password[i] = (char) ('a' + random.nextInt(26));
            }
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("key", key, password, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            return kmf.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use certificate " + certificateChain + " with private key " + privateKey
                    + ": " + e.getMessage(), e);
        }
    }

    /** Trust managers whose anchors are the certificates in {@code file}, and nothing else. */
    private static TrustManager[] trustManagers(Path file) throws IOException {
        String what = "trusted CA certificates " + file;
        List<X509Certificate> cas = PemFiles.certificates(file, what);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + what + ": " + e.getMessage(), e);
        }
    }

    /** A TLS context; {@code null} key managers: none; {@code null} trust managers: the JDK's default. */
    private static SSLContext context(KeyManager[] keys, TrustManager[] trust) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys, trust, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** The certificates in a PEM file, in file order. */
    static List<X509Certificate> readCertificates(Path file) throws IOException {
        return PemFiles.certificates(file, "certificate " + file);
    }

    /** The first private key in a PEM file, which must not be encrypted. */
    static PrivateKey readPrivateKey(Path file) throws IOException {
        return PemFiles.privateKey(file, null);
    }
}
