package io.swaggersocket.server;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Test keys and certificates made with BouncyCastle, and PEM files in every layout openssl writes:
 * PKCS#8, PKCS#1 / SEC1, encrypted PKCS#8 ({@code openssl pkcs8 -topk8 -v2 aes-256-cbc}) and
 * legacy OpenSSL encryption ({@code openssl rsa -aes256}).
 */
final class BcPki {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A key pair and the certificate issued for it. */
    record Issued(KeyPair keys, X509Certificate certificate) {
        PrivateKey key() {
            return keys.getPrivate();
        }
    }

    private BcPki() {
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    static KeyPair ec() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    static KeyPair generate(String algorithm) throws Exception {
        return switch (algorithm) {
            case "RSA" -> rsa();
            case "EC" -> ec();
            default -> KeyPairGenerator.getInstance(algorithm).generateKeyPair();
        };
    }

    /** A self-signed CA. */
    static Issued root(String cn, KeyPair keys) throws Exception {
        return new Issued(keys, certificate(cn, keys.getPublic(), cn, keys.getPrivate(), true));
    }

    /** A CA (intermediate) or leaf certificate for {@code keys}, signed by {@code issuer}. */
    static Issued issue(String cn, KeyPair keys, Issued issuer, boolean ca) throws Exception {
        String issuerName = issuer.certificate().getSubjectX500Principal().getName();
        return new Issued(keys, certificate(cn, keys.getPublic(), issuerName, issuer.key(), ca));
    }

    private static X509Certificate certificate(String cn, PublicKey subjectKey, String issuer, PrivateKey issuerKey,
            boolean ca) throws Exception {
        Instant now = Instant.now();
        X500Name subject = new X500Name(cn.startsWith("CN=") ? cn : "CN=" + cn);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name(issuer.startsWith("CN=")
                ? issuer : "CN=" + issuer), BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))), subject, subjectKey);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        }
        ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(issuerKey)).build(issuerKey);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "Ed25519";
        };
    }

    /** {@code BEGIN PRIVATE KEY}: unencrypted PKCS#8, as {@code openssl genpkey} writes it. */
    static Path pkcs8(Path file, PrivateKey key) throws Exception {
        return write(file, new JcaPKCS8Generator(key, null));
    }

    /** {@code BEGIN RSA PRIVATE KEY} or {@code BEGIN EC PRIVATE KEY}: PKCS#1 or SEC1, unencrypted. */
    static Path traditional(Path file, PrivateKey key) throws Exception {
        return write(file, new JcaMiscPEMGenerator(withCurve(key)));
    }

    /**
     * As {@link #traditional} but SEC1 without the curve, as BouncyCastle writes a JDK EC key:
     * the JDK's PKCS#8 encoding keeps the curve outside the inner ECPrivateKey.
     */
    static Path sec1WithoutCurve(Path file, PrivateKey ecKey) throws Exception {
        return write(file, new JcaMiscPEMGenerator(ecKey));
    }

    /** An EC key as BouncyCastle's own, whose SEC1 form names its curve as openssl writes it. */
    private static PrivateKey withCurve(PrivateKey key) throws Exception {
        if (!key.getAlgorithm().equals("EC")) {
            return key;
        }
        return KeyFactory.getInstance("EC", BC).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
    }

    /** {@code BEGIN ENCRYPTED PRIVATE KEY}: PBES2, PBKDF2 and AES-256-CBC, openssl 3's default. */
    static Path encryptedPkcs8(Path file, PrivateKey key, char[] password) throws Exception {
        return write(file, new JcaPKCS8Generator(key, new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                .setProvider(BC).setPassword(password).build()));
    }

    /** PKCS#1 / SEC1 with {@code Proc-Type: 4,ENCRYPTED} and {@code DEK-Info}, as {@code openssl rsa -aes256}. */
    static Path legacyEncrypted(Path file, PrivateKey key, char[] password) throws Exception {
        return write(file, new JcaMiscPEMGenerator(withCurve(key), new JcePEMEncryptorBuilder("AES-256-CBC").setProvider(BC)
                .build(password)));
    }

    /** The certificates as one PEM file, in order. */
    static Path certificates(Path file, X509Certificate... certificates) throws Exception {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            for (X509Certificate c : certificates) {
                writer.writeObject(c);
            }
        }
        return Files.writeString(file, text.toString());
    }

    private static Path write(Path file, org.bouncycastle.util.io.pem.PemObjectGenerator generator)
            throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(generator);
        }
        return Files.writeString(file, text.toString());
    }
}
