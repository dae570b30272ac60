package io.swaggersocket.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Stateless and thread-safe: checks that a private key belongs to the first certificate of a chain
 * before TLS is set up, because the JDK would otherwise accept the pair and fail every handshake
 * later with an error that names neither file.
 */
final class KeyPairCheck {
    private static final byte[] PROBE = "swaggersocket key check".getBytes(StandardCharsets.US_ASCII);

    private KeyPairCheck() {
    }

    /**
     * Passes when {@code key} signs what the public key of {@code chain.get(0)} verifies; otherwise
     * fails with a message naming both files, and saying so when the key belongs to a later
     * certificate of the file (a chain written in the wrong order).
     */
    static void check(PrivateKey key, List<X509Certificate> chain, Path certFile, Path keyFile) throws IOException {
        if (matches(key, chain.get(0))) {
            return;
        }
        for (int i = 1; i < chain.size(); i++) {
            if (matches(key, chain.get(i))) {
                throw new IOException("private key " + keyFile + " belongs to certificate " + (i + 1) + " in "
                        + certFile + ", not to the first: put the certificate of the key first, then its"
                        + " intermediates (fullchain.pem order)");
            }
        }
        String mismatch = "private key " + keyFile + " does not belong to the certificate " + certFile;
        String certAlgorithm = chain.get(0).getPublicKey().getAlgorithm();
        if (!sameFamily(key.getAlgorithm(), certAlgorithm)) {
            mismatch += ": the key is " + key.getAlgorithm() + " but the certificate's is " + certAlgorithm;
        }
        throw new IOException(mismatch + "; give the key the certificate was issued for (openssl x509 -noout"
                + " -pubkey -in CERT and openssl pkey -pubout -in KEY print the same key for a matching pair)");
    }

    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        String certAlgorithm = certificate.getPublicKey().getAlgorithm();
        if (!sameFamily(key.getAlgorithm(), certAlgorithm)) {
            return false;
        }
        String signature = signature(key.getAlgorithm());
        if (signature == null) {
            return true; // RSASSA-PSS needs parameters to sign with: left to the TLS handshake
        }
        try {
            Signature signer = Signature.getInstance(signature);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signed = signer.sign();
            Signature verifier = Signature.getInstance(signature);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(PROBE);
            return verifier.verify(signed);
        } catch (GeneralSecurityException e) {
            return false; // an EC key on another curve, for one: not this certificate's key
        }
    }

    private static String signature(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
    }

    private static boolean sameFamily(String keyAlgorithm, String certAlgorithm) {
        if (keyAlgorithm.equals(certAlgorithm)) {
            return true;
        }
        return "EdDSA".equals(signature(keyAlgorithm)) && "EdDSA".equals(signature(certAlgorithm));
    }
}
