package io.swaggersocket.testing;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Careless and hostile edits of a valid input, for fuzz properties: bit flips, cuts, extensions,
 * overwrites and copies, a few at a time. Not thread-safe: one instance per try, driven by the
 * try's random source (a {@link java.util.SplittableRandom} from {@link Fuzz}) so that a seed
 * replays the same edits.
 */
public final class Mutations {
    private final RandomGenerator random;

    public Mutations(RandomGenerator random) {
        this.random = random;
    }

    /** The random source, for edits a caller adds of its own. */
    public RandomGenerator random() {
        return random;
    }

    /** One to four edits of a copy of {@code input}; the result is at most {@code maxLength} bytes. */
    public byte[] mutate(byte[] input, int maxLength) {
        byte[] out = input.clone();
        int edits = 1 + random.nextInt(4);
        for (int i = 0; i < edits; i++) {
            out = once(out, maxLength);
        }
        return out;
    }

    private byte[] once(byte[] in, int maxLength) {
        switch (random.nextInt(7)) {
            case 0: { // flip one bit
                if (in.length == 0) {
                    return in;
                }
                byte[] out = in.clone();
                out[random.nextInt(in.length)] ^= (byte) (1 << random.nextInt(8));
                return out;
            }
            case 1: // truncate
                return Arrays.copyOf(in, in.length == 0 ? 0 : random.nextInt(in.length));
            case 2: { // extend with random bytes
                int room = Math.max(0, maxLength - in.length);
                byte[] tail = new byte[room == 0 ? 0 : 1 + random.nextInt(Math.min(room, 64))];
                random.nextBytes(tail);
                return concat(in, in.length, tail, new byte[0]);
            }
            case 3: { // overwrite one byte with a value parsers care about
                if (in.length == 0) {
                    return in;
                }
                byte[] out = in.clone();
                out[random.nextInt(in.length)] = INTERESTING[random.nextInt(INTERESTING.length)];
                return out;
            }
            case 4: { // insert one interesting byte
                int at = random.nextInt(in.length + 1);
                byte[] one = {INTERESTING[random.nextInt(INTERESTING.length)]};
                return in.length >= maxLength ? in : concat(in, at, one, Arrays.copyOfRange(in, at, in.length));
            }
            case 5: { // delete a range
                if (in.length == 0) {
                    return in;
                }
                int from = random.nextInt(in.length);
                int to = from + 1 + random.nextInt(Math.min(16, in.length - from));
                return concat(in, from, new byte[0], Arrays.copyOfRange(in, to, in.length));
            }
            default: { // duplicate a range in place
                if (in.length == 0) {
                    return in;
                }
                int from = random.nextInt(in.length);
                int to = from + 1 + random.nextInt(Math.min(64, in.length - from));
                byte[] copy = Arrays.copyOfRange(in, from, to);
                if (in.length + copy.length > maxLength) {
                    return in;
                }
                return concat(in, to, copy, Arrays.copyOfRange(in, to, in.length));
            }
        }
    }

    private static byte[] concat(byte[] head, int headLength, byte[] middle, byte[] tail) {
        byte[] out = Arrays.copyOf(head, headLength + middle.length + tail.length);
        System.arraycopy(middle, 0, out, headLength, middle.length);
        System.arraycopy(tail, 0, out, headLength + middle.length, tail.length);
        return out;
    }

    /** Bytes that end, split or escape things in the formats under test. */
    private static final byte[] INTERESTING = {0, 1, '\r', '\n', ' ', '\t', ':', '"', '\\', '{', '}', '[', ']', ',',
            '/', '%', '?', '#', (byte) 0x7f, (byte) 0x80, (byte) 0xc3, (byte) 0xe2, (byte) 0xed, (byte) 0xf0,
            (byte) 0xff, '0', '9', '-', 'e'};
}
