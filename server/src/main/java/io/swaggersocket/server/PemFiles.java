package io.swaggersocket.server;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Stateless and thread-safe: reads certificates and private keys from PEM files with BouncyCastle,
 * turning its exceptions into messages that name the file and say what to do.
 *
 * <p>A file is first split into blocks by {@link PemReader}, so damage anywhere in it (bad base64,
 * a missing END line) is reported even in a block the caller does not want, and blocks of other
 * types are skipped, so one file may hold the chain and the key. Only the wanted blocks are then
 * decoded, each by {@link PEMParser}, which knows every OpenSSL key layout.
 */
final class PemFiles {
    /** Key blocks in the order of the message that lists them. */
    private static final Set<String> KEY_BLOCKS = Set.of("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY",
            "ENCRYPTED PRIVATE KEY");
    private static final Set<String> CERTIFICATE_BLOCKS = Set.of("CERTIFICATE", "X509 CERTIFICATE");
    /** Keys a TLS certificate can carry and the JDK can sign a handshake with. */
    private static final Set<ASN1ObjectIdentifier> SUPPORTED_KEYS = Set.of(PKCSObjectIdentifiers.rsaEncryption,
            PKCSObjectIdentifiers.id_RSASSA_PSS, X9ObjectIdentifiers.id_ecPublicKey, EdECObjectIdentifiers.id_Ed25519,
            EdECObjectIdentifiers.id_Ed448);
    /** Names for the key types people do meet in PEM files but that cannot serve TLS here. */
    private static final Map<ASN1ObjectIdentifier, String> KNOWN_UNSUPPORTED = Map.of(
            X9ObjectIdentifiers.id_dsa, "DSA", EdECObjectIdentifiers.id_X25519, "X25519",
            EdECObjectIdentifiers.id_X448, "X448", PKCSObjectIdentifiers.dhKeyAgreement, "DH");

    private PemFiles() {
    }

    /** The certificates in a PEM file, in file order; {@code what} names the file in messages. */
    static List<X509Certificate> certificates(Path file, String what) throws IOException {
        List<PemObject> blocks = blocks(file, what);
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (PemObject block : blocks) {
            if (CERTIFICATE_BLOCKS.contains(block.getType())) {
                try {
                    out.add(converter.getCertificate(new X509CertificateHolder(block.getContent())));
                } catch (IOException | CertificateException | RuntimeException e) {
                    throw new IOException("cannot read " + what + ": certificate " + (out.size() + 1)
                            + " in the file is not a valid X.509 certificate (" + e.getMessage() + "); export it"
                            + " again as PEM", e);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException("cannot read " + what + ": expected a -----BEGIN CERTIFICATE----- block but found "
                    + found(blocks));
        }
        return out;
    }

    /**
     * The first private key in a PEM file, decrypted with {@code password} when it is encrypted.
     *
     * @param password the key's password, or {@code null} when the key is not encrypted; ignored for
     *        a key that is not encrypted, as openssl does
     */
    static PrivateKey privateKey(Path file, char[] password) throws IOException {
        String what = "private key " + file;
        List<PemObject> blocks = blocks(file, what);
        PemObject block = blocks.stream().filter(b -> KEY_BLOCKS.contains(b.getType())).findFirst().orElseThrow(() ->
                new IOException("cannot read " + what + ": expected a -----BEGIN PRIVATE KEY----- (or RSA / EC /"
                        + " ENCRYPTED PRIVATE KEY) block but found " + found(blocks)));
        Object parsed;
        try (PEMParser parser = new PEMParser(new StringReader(text(block)))) {
            parsed = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read " + what + ": malformed " + block.getType() + " (" + e.getMessage()
                    + "); the file is damaged or not a key", e);
        }
        PrivateKeyInfo info = decrypt(parsed, block.getType(), password, file, what);
        ASN1ObjectIdentifier algorithm = info.getPrivateKeyAlgorithm().getAlgorithm();
        if (!SUPPORTED_KEYS.contains(algorithm)) {
            throw new IOException("cannot read " + what + ": unsupported key type "
                    + KNOWN_UNSUPPORTED.getOrDefault(algorithm, algorithm.getId())
                    + "; TLS here needs an RSA, EC, Ed25519 or Ed448 key: make a new key and certificate");
        }
        if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey)
                && info.getPrivateKeyAlgorithm().getParameters() == null) {
            // SEC1 names its curve in an optional field; the JDK cannot use the key without it
            throw new IOException("cannot read " + what + ": the EC key does not name its curve; export it again"
                    + " with its curve, for example as PKCS#8 from the tool that made it");
        }
        try {
            return new JcaPEMKeyConverter().getPrivateKey(info);
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read " + what + ": not a usable key (" + e.getMessage() + ")", e);
        }
    }

    /** The plain PrivateKeyInfo behind whatever {@link PEMParser} made of a key block. */
    private static PrivateKeyInfo decrypt(Object parsed, String type, char[] password, Path file, String what)
            throws IOException {
        if (parsed instanceof PrivateKeyInfo info) {
            return info;
        }
        if (parsed instanceof PEMKeyPair pair) {
            return pair.getPrivateKeyInfo();
        }
        boolean encrypted = parsed instanceof PKCS8EncryptedPrivateKeyInfo || parsed instanceof PEMEncryptedKeyPair;
        if (!encrypted) {
            throw new IOException("cannot read " + what + ": the " + type + " block holds no private key");
        }
        if (password == null) {
            throw new IOException("cannot read " + what + ": the key is encrypted; give its password (a password"
                    + " file), or decrypt it with: openssl pkey -in " + file + " -out key.pem");
        }
        String wrong = "cannot read " + what + ": wrong password for the encrypted key (or the file is damaged);"
                + " check the password file, or try it with: openssl pkey -in " + file + " -noout";
        try {
            if (parsed instanceof PKCS8EncryptedPrivateKeyInfo pkcs8) {
                return pkcs8.decryptPrivateKeyInfo(new JceOpenSSLPKCS8DecryptorProviderBuilder()
                        .setProvider(bouncyCastle()).build(password));
            }
            return ((PEMEncryptedKeyPair) parsed).decryptKeyPair(new JcePEMDecryptorProviderBuilder()
                    .setProvider(bouncyCastle()).build(password)).getPrivateKeyInfo();
        } catch (PKCSException | IOException | RuntimeException e) {
            // a wrong password shows as bad padding or, when the padding happens to fit, as garbage DER
            throw new IOException(wrong, e);
        } catch (OperatorCreationException e) {
            throw new IOException("cannot read " + what + ": unsupported key encryption (" + e.getMessage()
                    + "); re-encrypt it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in " + file, e);
        }
    }

    /**
     * The password in {@code file}: its first line, without the line break, as
     * {@code openssl -passin file:} reads it.
     */
    static char[] password(Path file) throws IOException {
        String what = "key password file " + file;
        byte[] bytes = readBytes(file, what);
        try {
            String text = new String(bytes, StandardCharsets.UTF_8);
            int end = text.indexOf('\n');
            String line = end < 0 ? text : text.substring(0, end);
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isEmpty()) {
                throw new IOException("cannot read " + what + ": the first line is empty; write the password on it");
            }
            return line.toCharArray();
        } finally {
            Arrays.fill(bytes, (byte) 0); // the String copies cannot be wiped; the raw bytes can
        }
    }

    // ---------------------------------------------------------------------------------------------

    private static List<PemObject> blocks(Path file, String what) throws IOException {
        String text = new String(readBytes(file, what), StandardCharsets.US_ASCII);
        List<PemObject> out = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(text))) {
            for (PemObject block = reader.readPemObject(); block != null; block = reader.readPemObject()) {
                out.add(block);
            }
        } catch (IOException | RuntimeException e) {
            // BouncyCastle says "-----END X----- not found" or "unable to decode base64 string"
            throw new IOException("cannot read " + what + ": " + (out.size() + 1) + ". PEM block is damaged ("
                    + e.getMessage() + "); copy the file again whole", e);
        }
        return out;
    }

    /** One block as PEM text again, so {@link PEMParser} decodes it with its headers (DEK-Info). */
    private static String text(PemObject block) throws IOException {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(block);
        }
        return out.toString();
    }

    private static byte[] readBytes(Path file, String what) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException("cannot read " + what + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new IOException("cannot read " + what + ": permission denied", e);
        } catch (IOException e) {
            throw new IOException("cannot read " + what + ": " + e, e);
        }
    }

    private static String found(List<PemObject> blocks) {
        if (blocks.isEmpty()) {
            return "no PEM block";
        }
        Set<String> types = new LinkedHashSet<>();
        blocks.forEach(b -> types.add(b.getType()));
        return "only " + String.join(", ", types);
    }

    /**
     * BouncyCastle as a provider object handed to the decryptors only, never registered with
     * {@code Security.addProvider}: the JVM's own providers stay in charge of everything else
     * (TLS included), while every scheme openssl encrypts keys with (PBES2 with any PRF, PBES1,
     * the legacy DEK-Info ciphers) is available whatever the JDK build supports. Made on first
     * use only (the holder idiom), since most servers never see an encrypted key.
     */
    private static Provider bouncyCastle() {
        return BouncyCastle.PROVIDER;
    }

    private static final class BouncyCastle {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }
}
