package io.swaggersocket.cli;

import io.swaggersocket.server.PemTls;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The private key options both {@code server} and {@code agent} take beside their own
 * {@code --tls-cert}: the key, and the file holding its password when it is encrypted. A picocli
 * mixin, so that the environment and config file name them the same way in both commands.
 */
final class TlsKeyOptions {
    @Option(names = "--tls-key", paramLabel = "PEM", description = "its private key: PKCS#8, PKCS#1 RSA or SEC1 EC, encrypted or not")
    Path tlsKey;

    @Option(names = "--tls-key-password-file", paramLabel = "FILE",
            description = "the password of an encrypted --tls-key: the file's first line")
    Path tlsKeyPasswordFile;

    /** Checks that the key comes with {@code tlsCert} and the password file with the key. */
    void check(Path tlsCert) throws UsageException {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        if (tlsKeyPasswordFile != null && tlsKey == null) {
            throw new UsageException("--tls-key-password-file needs --tls-key");
        }
    }

    /** The password in {@code passwordFile}, or {@code null} when there is none (an unencrypted key). */
    static char[] password(Path passwordFile) throws IOException {
        return passwordFile == null ? null : PemTls.readPassword(passwordFile);
    }
}
