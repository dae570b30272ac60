package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test certificates made with the JDK alone: the JDK's {@code keytool} makes key pairs and signs
 * requests, and the results are written as PEM, the form {@link PemTls} reads.
 */
final class TestPki {
    static final String PASSWORD = "changeit";

    private TestPki() {
    }

    /** Runs {@code keytool} with {@code args} and fails the test unless it succeeds. */
    static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertTrue(keytool.waitFor(60, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, keytool.exitValue(), "keytool " + String.join(" ", args) + ": " + output);
    }

    /** A new PKCS#12 key store {@code store} holding a self-signed key pair {@code alias}. */
    static KeyStore selfSigned(Path store, String alias, String dname, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-dname", dname,
                "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD));
        args.addAll(List.of(options));
        keytool(args.toArray(new String[0]));
        return load(store);
    }

    static KeyStore load(Path store) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, PASSWORD.toCharArray());
        }
        return keys;
    }

    static PrivateKey key(KeyStore store, String alias) throws Exception {
        return (PrivateKey) store.getKey(alias, PASSWORD.toCharArray());
    }

    static X509Certificate certificate(KeyStore store, String alias) throws Exception {
        return (X509Certificate) store.getCertificate(alias);
    }

    /** Writes {@code file} holding one PEM block of {@code type} per DER encoding, in order. */
    static Path pem(Path file, String type, byte[]... ders) throws IOException {
        StringBuilder text = new StringBuilder();
        for (byte[] der : ders) {
            text.append("-----BEGIN ").append(type).append("-----\n")
                    .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der))
                    .append("\n-----END ").append(type).append("-----\n");
        }
        return Files.writeString(file, text);
    }

    /** Writes {@code file} holding {@code chain} as PEM, in order. */
    static Path pem(Path file, List<X509Certificate> chain) throws Exception {
        byte[][] ders = new byte[chain.size()][];
        for (int i = 0; i < ders.length; i++) {
            ders[i] = chain.get(i).getEncoded();
        }
        return pem(file, "CERTIFICATE", ders);
    }
}
