package io.swaggersocket.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * Stateless and thread-safe: builds {@link SSLContext}s from PEM files, the form certificates come
 * in from Let's Encrypt, openssl and most CAs, with the JDK alone: the server's, optionally
 * trusting CAs for client certificates, and an agent's, optionally with a client certificate.
 *
 * <pre>{@code
 * SSLContext tls = PemTls.serverContext(Path.of("fullchain.pem"), Path.of("privkey.pem"));
 * SocketServer server = SocketServer.builder().bind("0.0.0.0", 8443).sslContext(tls).build();
 *
 * // client certificates: the server trusts clients-ca.pem, the agent trusts the server's CA
 * SSLContext mtls = PemTls.serverContext(Path.of("fullchain.pem"), Path.of("privkey.pem"),
 *         Path.of("clients-ca.pem"));
 * SocketServer.builder().bind("0.0.0.0", 8443).sslContext(mtls).clientCertificates(ClientAuth.REQUIRED)...
 * SSLContext agent = PemTls.clientContext(Path.of("agent.pem"), Path.of("agent-key.pem"),
 *         Path.of("server-ca.pem"));
 * }</pre>
 *
 * <p>The certificate file holds the chain, the server's certificate first; the key file holds one
 * unencrypted private key as PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC, Ed25519, Ed448),
 * PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}, with a named
 * curve). Other blocks in either file are skipped, so one file holding both works for both. The
 * key is checked against the certificate.
 */
public final class PemTls {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    private static final byte[] RSA = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01};
    private static final byte[] RSA_PSS = {0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x0a};
    private static final byte[] EC = {0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] ED25519 = {0x2b, 0x65, 0x70};
    private static final byte[] ED448 = {0x2b, 0x65, 0x71};
    /** AlgorithmIdentifier of rsaEncryption: the OID and a NULL parameter. */
    private static final byte[] RSA_ALGORITHM = Der.encode(Der.SEQUENCE, Der.encode(Der.OID, RSA),
            Der.encode(Der.NULL));
    private static final Set<String> KEY_BLOCKS = Set.of("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY");

    private PemTls() {
    }

    /**
     * An SSLContext that presents the chain in {@code certificateChain} with the key in
     * {@code privateKey}, for {@link SocketServer.Builder#sslContext}.
     *
     * @throws IOException with a message naming the file and what is wrong with it: {@code cannot
     *         read certificate /x.pem: ...}, {@code cannot read private key /k.pem: ...}, or that the
     *         key does not belong to the certificate
     */
    public static SSLContext serverContext(Path certificateChain, Path privateKey) throws IOException {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
        return context(keyManagers(certificateChain, privateKey), null);
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
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(trustedClientCas, "trustedClientCas");
        return context(keyManagers(certificateChain, privateKey), trustManagers(trustedClientCas));
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
     * @param privateKey the client certificate's key, or {@code null} with no certificate
     * @param trustedCas CA certificates to verify the server with, or {@code null} for the JDK's
     *        default trust store
     * @throws IOException with a message naming the file at fault, as for {@link #serverContext}
     * @throws IllegalArgumentException when only one of {@code certificateChain} and
     *         {@code privateKey} is given
     */
    public static SSLContext clientContext(Path certificateChain, Path privateKey, Path trustedCas)
            throws IOException {
        if ((certificateChain == null) != (privateKey == null)) {
            throw new IllegalArgumentException(certificateChain == null
                    ? "certificateChain: expected the certificate of private key " + privateKey + " but was none"
                    : "privateKey: expected the key of certificate " + certificateChain + " but was none");
        }
        KeyManager[] keys = certificateChain == null ? null : keyManagers(certificateChain, privateKey);
        return context(keys, trustedCas == null ? null : trustManagers(trustedCas));
    }

    /** Key managers holding the chain and its key, checked to belong together. */
    private static KeyManager[] keyManagers(Path certificateChain, Path privateKey) throws IOException {
        List<X509Certificate> chain = readCertificates(certificateChain);
        PrivateKey key = readPrivateKey(privateKey);
        checkPair(key, chain.get(0), certificateChain, privateKey);
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
        List<X509Certificate> cas = readCertificates(file, what);
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
        return readCertificates(file, "certificate " + file);
    }

    /** The certificates in a PEM file, in file order; {@code what} names the file in messages. */
    private static List<X509Certificate> readCertificates(Path file, String what) throws IOException {
        List<Block> blocks = blocks(read(file, what), what);
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block b : blocks) {
                if (b.type().equals("CERTIFICATE")) {
                    out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
                }
            }
        } catch (CertificateException e) {
            throw new IOException("cannot read " + what + ": not a valid X.509 certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException("cannot read " + what + ": expected a -----BEGIN CERTIFICATE----- block but found "
                    + found(blocks));
        }
        return out;
    }

    /** The first private key in a PEM file. */
    static PrivateKey readPrivateKey(Path file) throws IOException {
        String what = "private key " + file;
        List<Block> blocks = blocks(read(file, what), what);
        Block block = blocks.stream().filter(b -> KEY_BLOCKS.contains(b.type())).findFirst().orElseThrow(() ->
                new IOException("cannot read " + what + ": expected a -----BEGIN PRIVATE KEY----- (or RSA / EC PRIVATE"
                        + " KEY) block but found " + found(blocks)));
        if (block.type().equals("ENCRYPTED PRIVATE KEY") || block.encrypted()) {
            throw new IOException("cannot read " + what + ": the key is encrypted; decrypt it first, for example"
                    + " with: openssl pkey -in " + file + " -out key.pem");
        }
        try {
            return switch (block.type()) {
                case "RSA PRIVATE KEY" -> key("RSA", pkcs8(RSA_ALGORITHM, block.der()), what);
                case "EC PRIVATE KEY" -> key("EC", sec1ToPkcs8(block.der(), what), what);
                default -> pkcs8Key(block.der(), what);
            };
        } catch (Der.DerException e) {
            throw new IOException("cannot read " + what + ": malformed " + block.type() + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey pkcs8Key(byte[] der, String what) throws IOException, Der.DerException {
        Der.Reader info = new Der.Reader(der).next(Der.SEQUENCE, "PrivateKeyInfo").contents();
        info.next(Der.INTEGER, "PrivateKeyInfo version");
        byte[] oid = info.next(Der.SEQUENCE, "AlgorithmIdentifier").contents().next(Der.OID, "algorithm").value();
        String algorithm;
        if (Arrays.equals(oid, RSA)) {
            algorithm = "RSA";
        } else if (Arrays.equals(oid, RSA_PSS)) {
            algorithm = "RSASSA-PSS";
        } else if (Arrays.equals(oid, EC)) {
            algorithm = "EC";
        } else if (Arrays.equals(oid, ED25519)) {
            algorithm = "Ed25519";
        } else if (Arrays.equals(oid, ED448)) {
            algorithm = "Ed448";
        } else {
            throw new IOException("cannot read " + what + ": unsupported key algorithm " + Der.oidText(oid)
                    + " (expected RSA, EC, Ed25519 or Ed448)");
        }
        return key(algorithm, der, what);
    }

    /** SEC1 ECPrivateKey to PKCS#8, moving its named curve into the AlgorithmIdentifier. */
    private static byte[] sec1ToPkcs8(byte[] sec1, String what) throws IOException, Der.DerException {
        Der.Reader key = new Der.Reader(sec1).next(Der.SEQUENCE, "ECPrivateKey").contents();
        key.next(Der.INTEGER, "ECPrivateKey version");
        key.next(Der.OCTET_STRING, "ECPrivateKey privateKey");
        while (key.hasMore()) {
            Der.Element e = key.next("ECPrivateKey field");
            if (e.tag() == Der.CONTEXT_0) {
                Der.Element curve = e.contents().next("ECParameters");
                if (curve.tag() != Der.OID) {
                    break;
                }
                return pkcs8(Der.encode(Der.SEQUENCE, Der.encode(Der.OID, EC), curve.encoded()), sec1);
            }
        }
        throw new IOException("cannot read " + what + ": the EC PRIVATE KEY does not name its curve; convert it"
                + " with: openssl pkcs8 -topk8 -nocrypt");
    }

    private static byte[] pkcs8(byte[] algorithmIdentifier, byte[] privateKey) {
        return Der.encode(Der.SEQUENCE, Der.encode(Der.INTEGER, new byte[] {0}), algorithmIdentifier,
                Der.encode(Der.OCTET_STRING, privateKey));
    }

    private static PrivateKey key(String algorithm, byte[] pkcs8, String what) throws IOException {
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read " + what + ": not a valid " + algorithm + " key: " + e.getMessage(), e);
        }
    }

    /** Signs with the key and verifies with the certificate: fails early and clearly on a mismatched pair. */
    private static void checkPair(PrivateKey key, X509Certificate certificate, Path certFile, Path keyFile)
            throws IOException {
        String certAlgorithm = certificate.getPublicKey().getAlgorithm();
        String keyAlgorithm = key.getAlgorithm();
        String signature = switch (keyAlgorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null; // RSASSA-PSS needs parameters: left to the TLS handshake
        };
        boolean sameFamily = certAlgorithm.equals(keyAlgorithm)
                || (signature != null && signature.equals("EdDSA") && certAlgorithm.startsWith("Ed"));
        String mismatch = "private key " + keyFile + " does not belong to the certificate " + certFile;
        if (!sameFamily) {
            throw new IOException(mismatch + ": the key is " + keyAlgorithm + " but the certificate's is "
                    + certAlgorithm);
        }
        if (signature == null) {
            return;
        }
        try {
            byte[] probe = "swaggersocket key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(signature);
            signer.initSign(key);
            signer.update(probe);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(signature);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signed)) {
                throw new IOException(mismatch);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(mismatch + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------

    /** One PEM block: its type, whether its headers say it is encrypted (legacy OpenSSL), and its bytes. */
    private record Block(String type, boolean encrypted, byte[] der) {
    }

    private static String read(Path file, String what) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + what + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read " + what + ": permission denied", e);
        } catch (IOException e) {
            throw new IOException("cannot read " + what + ": " + e, e);
        }
    }

    private static List<Block> blocks(String text, String what) throws IOException {
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text.replace("\r\n", "\n"));
        while (m.find()) {
            String type = m.group(1);
            String body = m.group(2);
            boolean encrypted = false;
            int blank = body.indexOf(':') >= 0 ? body.indexOf("\n\n", body.indexOf(':')) : -1;
            if (body.indexOf(':') >= 0) { // RFC 1421 headers, as in "Proc-Type: 4,ENCRYPTED"
                encrypted = body.contains("ENCRYPTED");
                body = blank < 0 ? "" : body.substring(blank);
            }
            try {
                out.add(new Block(type, encrypted, Base64.getDecoder().decode(body.replaceAll("\\s", ""))));
            } catch (IllegalArgumentException e) {
                throw new IOException("cannot read " + what + ": the " + type + " block is not valid base64: "
                        + e.getMessage(), e);
            }
        }
        return out;
    }

    private static String found(List<Block> blocks) {
        if (blocks.isEmpty()) {
            return "no PEM block";
        }
        Set<String> types = new LinkedHashSet<>();
        blocks.forEach(b -> types.add(b.type()));
        return "only " + String.join(", ", types);
    }
}
