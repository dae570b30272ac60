package io.swaggersocket.openapi;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hc.core5.http.Header;

/**
 * A media type or media range ({@code type/subtype}, lower case) with the {@code q} weight of an
 * Accept entry; other parameters are dropped, since matching here only looks at the essence.
 */
record MediaType(String type, String subtype, double q) {
    static final MediaType JSON = new MediaType("application", "json", 1);

    /** Parses {@code type/subtype; params}, or returns {@code null} when malformed. */
    static MediaType parse(String value) {
        if (value == null) {
            return null;
        }
        String[] parts = value.split(";");
        String essence = parts[0].trim().toLowerCase(Locale.ROOT);
        int slash = essence.indexOf('/');
        if (slash <= 0 || slash == essence.length() - 1 || essence.indexOf('/', slash + 1) >= 0
                || essence.indexOf(' ') >= 0) {
            return null;
        }
        String type = essence.substring(0, slash);
        String subtype = essence.substring(slash + 1);
        if (type.equals("*") && !subtype.equals("*")) {
            return null;
        }
        double q = 1;
        for (int i = 1; i < parts.length; i++) {
            String param = parts[i].trim();
            if (param.regionMatches(true, 0, "q=", 0, 2)) {
                try {
                    q = Double.parseDouble(param.substring(2).trim());
                } catch (NumberFormatException e) {
                    return null;
                }
                if (!(q >= 0 && q <= 1)) {
                    return null;
                }
            }
        }
        return new MediaType(type, subtype, q);
    }

    /** The entries of every Accept header, malformed ones skipped. */
    static List<MediaType> parseAccept(Header[] headers) {
        List<MediaType> ranges = new ArrayList<>();
        for (Header header : headers) {
            for (String entry : header.getValue().split(",")) {
                MediaType range = parse(entry);
                if (range != null) {
                    ranges.add(range);
                }
            }
        }
        return ranges;
    }

    /** {@code application/json} and {@code application/*+json} (any type with a {@code +json} suffix). */
    boolean isJson() {
        return (type.equals("application") && subtype.equals("json")) || subtype.endsWith("+json");
    }

    boolean isConcrete() {
        return !type.equals("*") && !subtype.equals("*");
    }

    /** Whether this type or range includes {@code other} (wildcards count on this side only). */
    boolean includes(MediaType other) {
        return (type.equals("*") || type.equals(other.type))
                && (subtype.equals("*") || subtype.equals(other.subtype));
    }

    /** How specific a range is: 2 for {@code a/b}, 1 for {@code a/*}, 0 for the full wildcard. */
    int specificity() {
        return type.equals("*") ? 0 : subtype.equals("*") ? 1 : 2;
    }

    /**
     * Whether the ranges of an Accept header allow {@code produced}: for a concrete type the most
     * specific matching range decides (so {@code application/json;q=0} refuses JSON even next to the
     * full wildcard);
     * a declared wildcard is allowed when any range with a weight above zero overlaps it.
     */
    static boolean accepts(List<MediaType> ranges, MediaType produced) {
        if (!produced.isConcrete()) {
            for (MediaType range : ranges) {
                if (range.q > 0 && (range.includes(produced) || produced.includes(range))) {
                    return true;
                }
            }
            return false;
        }
        MediaType best = null;
        for (MediaType range : ranges) {
            if (range.includes(produced) && (best == null || range.specificity() > best.specificity()
                    || (range.specificity() == best.specificity() && range.q > best.q))) {
                best = range;
            }
        }
        return best != null && best.q > 0;
    }

    @Override
    public String toString() {
        return type + "/" + subtype;
    }
}
