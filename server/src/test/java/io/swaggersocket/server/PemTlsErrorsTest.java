package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PemTls} given hostile and mistaken files: every failure is an {@link IOException} whose
 * message names the file, says what is wrong in the user's terms, and what to do.
 */
@Timeout(60)
class PemTlsErrorsTest {
    private static final char[] PASSWORD = PemTlsTest.PASSWORD;

    @TempDir
    static Path dir;

    private static BcPki.Issued rsa;
    private static BcPki.Issued otherRsa;
    private static BcPki.Issued ec;
    private static Path rsaCert;
    private static Path rsaKey;
    private static Path ecKey;

    @BeforeAll
    static void makePki() throws Exception {
        rsa = BcPki.root("localhost", BcPki.rsa());
        otherRsa = BcPki.root("other", BcPki.rsa());
        ec = BcPki.root("ec", BcPki.ec());
        rsaCert = BcPki.certificates(dir.resolve("rsa-cert.pem"), rsa.certificate());
        rsaKey = BcPki.pkcs8(dir.resolve("rsa-key.pem"), rsa.key());
        ecKey = BcPki.pkcs8(dir.resolve("ec-key.pem"), ec.key());
    }

    private static String fails(Executable call) {
        return assertThrows(IOException.class, call).getMessage();
    }

    private static void startsWith(String prefix, String message) {
        assertTrue(message.startsWith(prefix), () -> "expected a message starting with <" + prefix + "> but was <"
                + message + ">");
    }

    @Test
    void missingFilesAndFilesOfTheWrongKind() throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertEquals("cannot read certificate " + missing + ": no such file",
                fails(() -> PemTls.serverContext(missing, rsaKey)));
        assertEquals("cannot read private key " + missing + ": no such file",
                fails(() -> PemTls.serverContext(rsaCert, missing)));

        assertEquals("cannot read certificate " + rsaKey + ": expected a -----BEGIN CERTIFICATE----- block but"
                + " found only PRIVATE KEY", fails(() -> PemTls.serverContext(rsaKey, rsaKey)));
        assertEquals("cannot read private key " + rsaCert + ": expected a -----BEGIN PRIVATE KEY----- (or RSA / EC /"
                + " ENCRYPTED PRIVATE KEY) block but found only CERTIFICATE",
                fails(() -> PemTls.serverContext(rsaCert, rsaCert)));
        Path notPem = Files.writeString(dir.resolve("not-pem.pem"), "not pem at all\n");
        assertEquals("cannot read certificate " + notPem + ": expected a -----BEGIN CERTIFICATE----- block but found"
                + " no PEM block", fails(() -> PemTls.serverContext(notPem, rsaKey)));
        assertEquals("cannot read trusted CA certificates " + rsaKey + ": expected a -----BEGIN CERTIFICATE-----"
                + " block but found only PRIVATE KEY", fails(() -> PemTls.clientContext(null, null, rsaKey)));
    }

    @Test
    void damagedPem() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN PRIVATE KEY-----\nMIIB!!!!\n"
                + "-----END PRIVATE KEY-----\n");
        String message = fails(() -> PemTls.serverContext(rsaCert, garbage));
        startsWith("cannot read private key " + garbage + ": 1. PEM block is damaged (", message);
        assertTrue(message.endsWith("); copy the file again whole"), message);

        // cut off half way: no END line
        String whole = Files.readString(rsaKey);
        Path cut = Files.writeString(dir.resolve("cut.pem"), whole.substring(0, whole.length() / 2));
        assertEquals("cannot read private key " + cut + ": 1. PEM block is damaged (-----END PRIVATE KEY----- not"
                + " found); copy the file again whole", fails(() -> PemTls.serverContext(rsaCert, cut)));

        // well-formed PEM around DER cut short
        Path truncated = TestPki.pem(dir.resolve("truncated.pem"), "PRIVATE KEY",
                Arrays.copyOf(rsa.key().getEncoded(), 40));
        startsWith("cannot read private key " + truncated + ": malformed PRIVATE KEY (",
                fails(() -> PemTls.serverContext(rsaCert, truncated)));
        Path badCertificate = TestPki.pem(dir.resolve("bad-cert.pem"), "CERTIFICATE",
                Arrays.copyOf(rsa.certificate().getEncoded(), 100));
        startsWith("cannot read certificate " + badCertificate + ": certificate 1 in the file is not a valid X.509"
                + " certificate (", fails(() -> PemTls.serverContext(badCertificate, rsaKey)));

        // damage in a block the caller does not want is still damage
        Path chainWithBadTail = Files.writeString(dir.resolve("bad-tail.pem"), Files.readString(rsaCert)
                + "-----BEGIN CERTIFICATE-----\nMIIB\n");
        startsWith("cannot read certificate " + chainWithBadTail + ": 2. PEM block is damaged (",
                fails(() -> PemTls.serverContext(chainWithBadTail, rsaKey)));
    }

    @Test
    void encryptedKeysWithoutOrWithAWrongPassword() throws Exception {
        Path pkcs8 = BcPki.encryptedPkcs8(dir.resolve("enc-pkcs8.pem"), rsa.key(), PASSWORD);
        Path legacy = BcPki.legacyEncrypted(dir.resolve("enc-legacy.pem"), rsa.key(), PASSWORD);
        for (Path key : new Path[] {pkcs8, legacy}) {
            assertEquals("cannot read private key " + key + ": the key is encrypted; give its password (a password"
                    + " file), or decrypt it with: openssl pkey -in " + key + " -out key.pem",
                    fails(() -> PemTls.serverContext(rsaCert, key)));
            assertEquals("cannot read private key " + key + ": wrong password for the encrypted key (or the file is"
                    + " damaged); check the password file, or try it with: openssl pkey -in " + key + " -noout",
                    fails(() -> PemTls.serverContext(rsaCert, key, "wrong".toCharArray(), null)));
            fails(() -> PemTls.clientContext(rsaCert, key, new char[] {'x'}, null));
        }
    }

    @Test
    void aPasswordFileMustExistAndHoldAPassword() throws Exception {
        Path missing = dir.resolve("no-password.txt");
        assertEquals("cannot read key password file " + missing + ": no such file",
                fails(() -> PemTls.readPassword(missing)));
        Path empty = Files.writeString(dir.resolve("empty-password.txt"), "\nsecond line");
        assertEquals("cannot read key password file " + empty + ": the first line is empty; write the password on it",
                fails(() -> PemTls.readPassword(empty)));
    }

    @Test
    void aKeyThatDoesNotBelongToTheCertificate() throws Exception {
        Path otherKey = BcPki.pkcs8(dir.resolve("other-key.pem"), otherRsa.key());
        String hint = "; give the key the certificate was issued for (openssl x509 -noout -pubkey -in CERT and openssl"
                + " pkey -pubout -in KEY print the same key for a matching pair)";
        assertEquals("private key " + otherKey + " does not belong to the certificate " + rsaCert + hint,
                fails(() -> PemTls.serverContext(rsaCert, otherKey)));
        assertEquals("private key " + ecKey + " does not belong to the certificate " + rsaCert
                + ": the key is EC but the certificate's is RSA" + hint, fails(() -> PemTls.serverContext(rsaCert, ecKey)));

        // the chain written CA first: the key belongs to the second certificate
        BcPki.Issued leaf = BcPki.issue("leaf", BcPki.ec(), rsa, false);
        Path reversed = BcPki.certificates(dir.resolve("reversed.pem"), rsa.certificate(), leaf.certificate());
        Path leafKey = BcPki.pkcs8(dir.resolve("leaf-key.pem"), leaf.key());
        assertEquals("private key " + leafKey + " belongs to certificate 2 in " + reversed + ", not to the first: put"
                + " the certificate of the key first, then its intermediates (fullchain.pem order)",
                fails(() -> PemTls.clientContext(reversed, leafKey, null)));
    }

    @Test
    void keyTypesThatCannotServeTls() throws Exception {
        Path curveless = BcPki.sec1WithoutCurve(dir.resolve("curveless.pem"), ec.key());
        assertTrue(Files.readString(curveless).contains("-----BEGIN EC PRIVATE KEY-----"));
        assertEquals("cannot read private key " + curveless + ": the EC key does not name its curve; export it again"
                + " with its curve, for example as PKCS#8 from the tool that made it",
                fails(() -> PemTls.serverContext(rsaCert, curveless)));

        Path x25519 = TestPki.pem(dir.resolve("x25519.pem"), "PRIVATE KEY",
                KeyPairGenerator.getInstance("X25519").generateKeyPair().getPrivate().getEncoded());
        assertEquals("cannot read private key " + x25519 + ": unsupported key type X25519; TLS here needs an RSA, EC,"
                + " Ed25519 or Ed448 key: make a new key and certificate", fails(() -> PemTls.serverContext(rsaCert, x25519)));
        KeyPairGenerator dsa = KeyPairGenerator.getInstance("DSA");
        dsa.initialize(2048);
        Path dsaKey = BcPki.pkcs8(dir.resolve("dsa.pem"), dsa.generateKeyPair().getPrivate());
        startsWith("cannot read private key " + dsaKey + ": unsupported key type DSA;",
                fails(() -> PemTls.serverContext(rsaCert, dsaKey)));
        // an algorithm nobody knows: named by its OID
        byte[] unknown = Base64.getDecoder().decode("MBgCAQAwBwYFKgMEBQYECgABAgMEBQYHCAk=");
        Path unknownKey = TestPki.pem(dir.resolve("unknown.pem"), "PRIVATE KEY", unknown);
        startsWith("cannot read private key " + unknownKey + ": unsupported key type 1.2.3.4.5.6;",
                fails(() -> PemTls.serverContext(rsaCert, unknownKey)));
    }
}
