package io.swaggersocket.frame;

/** The frame types of protocol version 1 and their wire numbers. */
public enum FrameType {
    HEADERS(0x1),
    DATA(0x2),
    RESET(0x3),
    WINDOW_UPDATE(0x4),
    GOAWAY(0x5);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** The number on the wire. */
    public int code() {
        return code;
    }

    static FrameType of(int code) {
        for (FrameType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
