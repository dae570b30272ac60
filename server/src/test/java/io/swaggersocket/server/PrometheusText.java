package io.swaggersocket.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it fails on any line
 * the format does not allow, on a sample whose family has no TYPE before it, on a sample written
 * twice, and on a histogram whose buckets are not cumulative or do not end in +Inf = _count.
 */
final class PrometheusText {
    private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\"\\\\n])*\",?)*\\})? "
            + "([-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf)|NaN)( -?[0-9]+)?");

    private final Map<String, Double> samples = new LinkedHashMap<>();
    private final Map<String, String> types = new HashMap<>();

    private PrometheusText() {
    }

    static PrometheusText parse(String text) {
        assertTrue(text.endsWith("\n"), "the exposition ends with a line feed");
        PrometheusText out = new PrometheusText();
        for (String line : text.split("\n")) {
            Matcher m;
            if ((m = HELP.matcher(line)).matches()) {
                continue;
            }
            if ((m = TYPE.matcher(line)).matches()) {
                assertTrue(out.types.put(m.group(1), m.group(2)) == null, "TYPE twice for " + m.group(1));
                continue;
            }
            if (!(m = SAMPLE.matcher(line)).matches()) {
                fail("not a valid exposition line: \"" + line + "\"");
            }
            String name = m.group(1);
            String family = name.replaceFirst("_(bucket|sum|count)$", "");
            String type = out.types.containsKey(name) ? out.types.get(name) : out.types.get(family);
            assertNotNull(type, "sample " + name + " comes before its TYPE");
            if (!out.types.containsKey(name)) {
                assertTrue(type.equals("histogram") || type.equals("summary"),
                        name + " has a suffix only histograms and summaries use");
            }
            String key = name + (m.group(2) == null ? "" : m.group(2));
            assertTrue(out.samples.put(key, Double.parseDouble(m.group(3).replace("Inf", "Infinity"))) == null,
                    "sample twice: " + key);
        }
        out.types.forEach((name, type) -> {
            if (type.equals("histogram")) {
                out.checkHistogram(name);
            }
        });
        return out;
    }

    private void checkHistogram(String name) {
        double previous = 0;
        boolean inf = false;
        for (Map.Entry<String, Double> e : samples.entrySet()) {
            if (e.getKey().startsWith(name + "_bucket{")) {
                assertTrue(e.getValue() >= previous, "buckets of " + name + " are cumulative: " + e.getKey());
                previous = e.getValue();
                inf = e.getKey().contains("le=\"+Inf\"");
            }
        }
        assertTrue(inf, name + " ends with the +Inf bucket");
        assertEquals(value(name + "_count"), previous, name + ": +Inf bucket equals _count");
        value(name + "_sum");
    }

    /** The value of a sample, by its name and labels exactly as written. */
    double value(String sample) {
        Double v = samples.get(sample);
        assertNotNull(v, "no sample " + sample + " in " + samples.keySet());
        return v;
    }

    /** Every sample's name and labels, as written. */
    java.util.Set<String> keys() {
        return samples.keySet();
    }

    String type(String family) {
        return types.get(family);
    }
}
