package io.swaggersocket.server;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The little of ASN.1 DER that turning PEM keys into PKCS#8 needs: reading tag-length-value
 * elements and writing them. Stateless helpers; a {@link Reader} is used by one thread.
 */
final class Der {
    static final int INTEGER = 0x02;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OID = 0x06;
    static final int SEQUENCE = 0x30;
    /** {@code [0]} EXPLICIT, constructed. */
    static final int CONTEXT_0 = 0xa0;

    private Der() {
    }

    /** One element: its tag, and where its whole encoding and its value lie in {@code source}. */
    record Element(int tag, byte[] source, int start, int valueStart, int end) {
        byte[] value() {
            return Arrays.copyOfRange(source, valueStart, end);
        }

        byte[] encoded() {
            return Arrays.copyOfRange(source, start, end);
        }

        /** The elements inside a constructed one (a SEQUENCE, a context tag). */
        Reader contents() {
            return new Reader(source, valueStart, end);
        }
    }

    /** Reads the elements between two offsets, one after another. */
    static final class Reader {
        private final byte[] source;
        private int pos;
        private final int end;

        Reader(byte[] source) {
            this(source, 0, source.length);
        }

        private Reader(byte[] source, int pos, int end) {
            this.source = source;
            this.pos = pos;
            this.end = end;
        }

        boolean hasMore() {
            return pos < end;
        }

        /** The next element, which must have {@code tag}. */
        Element next(int tag, String what) throws DerException {
            Element e = next(what);
            if (e.tag() != tag) {
                throw new DerException(what + ": expected tag 0x" + Integer.toHexString(tag) + " but was 0x"
                        + Integer.toHexString(e.tag()));
            }
            return e;
        }

        Element next(String what) throws DerException {
            int start = pos;
            if (end - pos < 2) {
                throw new DerException(what + ": expected an element but the data ended");
            }
            int tag = source[pos++] & 0xff;
            int first = source[pos++] & 0xff;
            long length;
            if (first < 0x80) {
                length = first;
            } else {
                int count = first & 0x7f;
                if (count == 0 || count > 4 || end - pos < count) {
                    throw new DerException(what + ": unsupported or truncated length");
                }
                length = 0;
                for (int i = 0; i < count; i++) {
                    length = length << 8 | (source[pos++] & 0xff);
                }
            }
            if (length > end - pos) {
                throw new DerException(what + ": length " + length + " runs past the end of the data");
            }
            int valueStart = pos;
            pos += (int) length;
            return new Element(tag, source, start, valueStart, pos);
        }
    }

    /** The DER encoding of an element with {@code tag} whose value is the concatenation of {@code parts}. */
    static byte[] encode(int tag, byte[]... parts) {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            value.writeBytes(part);
        }
        int n = value.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream(n + 6);
        out.write(tag);
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(value.toByteArray());
        return out.toByteArray();
    }

    /** Dotted text of an OID value, for messages. */
    static String oidText(byte[] value) {
        if (value.length == 0) {
            return "(empty)";
        }
        StringBuilder out = new StringBuilder();
        int first = Math.min(2, (value[0] & 0xff) / 40);
        out.append(first).append('.').append((value[0] & 0xff) - 40 * first);
        long arc = 0;
        for (int i = 1; i < value.length; i++) {
            arc = arc << 7 | (value[i] & 0x7f);
            if ((value[i] & 0x80) == 0) {
                out.append('.').append(arc);
                arc = 0;
            }
        }
        return out.toString();
    }

    /** Malformed DER; the message says where. */
    static final class DerException extends Exception {
        private static final long serialVersionUID = 1L;

        DerException(String message) {
            super(message);
        }
    }
}
