package io.swaggersocket.events;

/**
 * A filter or event specifier that cannot be parsed: the message names the 0-based position, what
 * was expected there and what was found, e.g. {@code at 12: expected ')' but found ',' in
 * "Not(A=Eq(1),B=Eq(2))"}.
 */
public final class FilterSyntaxException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int position;
    private final String expected;

    FilterSyntaxException(String text, int position, String expected) {
        super("at " + position + ": expected " + expected + " but found "
                + (position >= text.length() ? "the end" : "'" + text.charAt(position) + "'")
                + " in \"" + (text.length() > 200 ? text.substring(0, 200) + "..." : text) + "\"");
        this.position = position;
        this.expected = expected;
    }

    /** What the parser expected at {@link #position()}. */
    public String expected() {
        return expected;
    }

    /** Where in the text the parser stopped, 0-based. */
    public int position() {
        return position;
    }
}
