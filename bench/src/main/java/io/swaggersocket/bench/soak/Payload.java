package io.swaggersocket.bench.soak;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The bodies of the soak and the protocol its upstreams speak, shared by the callers that check and
 * the handlers that answer. Stateless and thread-safe.
 *
 * <ul>
 *   <li>{@code POST /echo?id=ID}: 200, {@code X-Soak-Id: ID}, {@code X-Soak-Sha256:} the SHA-256 of the
 *       body the handler received, and that body back.
 *   <li>{@code GET /bytes?id=ID&n=N&seed=S}: 200, {@code X-Soak-Id: ID}, and {@link #bytes(long, int) bytes(S, N)}.
 * </ul>
 * A caller checks all of it: an answer carrying another call's id, or a body that is not the one it
 * sent or asked for, is a mismatch, never a success.
 */
final class Payload {
    static final String ID = "X-Soak-Id";
    static final String SHA = "X-Soak-Sha256";

    private Payload() {
    }

    /** {@code n} pseudo-random bytes, the same for the same seed on both ends. */
    static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /**
     * A body size from 0 to {@link SoakOptions#MAX_BODY}: 0 one time in 20, else log-uniform, so most
     * calls are small and a few carry megabytes (mean about 0.5 MiB).
     */
    static int size(SplittableRandom random) {
        if (random.nextInt(20) == 0) {
            return 0;
        }
        return (int) Math.min(SoakOptions.MAX_BODY, Math.floor(Math.pow(2, random.nextDouble() * 23.0)));
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The query of a request target ({@code /echo?id=1&n=2}) as a map; later keys win. */
    static Map<String, String> query(String target) {
        Map<String, String> out = new TreeMap<>();
        int q = target.indexOf('?');
        if (q < 0) {
            return out;
        }
        for (String pair : target.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** The path of a request target, without its query. */
    static String path(String target) {
        int q = target.indexOf('?');
        return q < 0 ? target : target.substring(0, q);
    }

    /** A parsed {@code n} of {@code /bytes}: refused outside [0, MAX_BODY] so a bad call cannot exhaust the heap. */
    static int length(String n) {
        int v = Integer.parseInt(n);
        if (v < 0 || v > SoakOptions.MAX_BODY) {
            throw new IllegalArgumentException("n: " + v + " is out of range [0, " + SoakOptions.MAX_BODY + "]");
        }
        return v;
    }
}
