package io.swaggersocket.readme;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the named code regions of source files and the marked ```java blocks of a Markdown
 * file, and says where they differ. A block without a marker is an error too: otherwise a new
 * snippet could be added to the README untested.
 */
final class Snippets {
    private static final Pattern REGION = Pattern.compile("^\\s*// README: ([a-z0-9-]+)\\s*$");
    private static final Pattern MARKER = Pattern.compile("^<!-- snippet: ([a-z0-9-]+) -->$");

    private Snippets() {
    }

    /** The regions of {@code source} by name, each dedented as a whole. */
    static Map<String, String> regions(String source, String file) {
        Map<String, String> regions = new LinkedHashMap<>();
        String name = null;
        List<String> lines = new ArrayList<>();
        String[] all = source.split("\n", -1);
        for (int i = 0; i < all.length; i++) {
            Matcher m = REGION.matcher(all[i]);
            if (!m.matches()) {
                if (name != null) {
                    lines.add(all[i]);
                }
            } else if (m.group(1).equals("end")) {
                if (name == null) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": README: end without a start");
                }
                if (regions.put(name, dedent(lines)) != null) {
                    throw new IllegalArgumentException(file + ": region '" + name + "' twice");
                }
                name = null;
                lines.clear();
            } else if (name != null) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": region '" + m.group(1)
                        + "' starts inside '" + name + "'");
            } else {
                name = m.group(1);
            }
        }
        if (name != null) {
            throw new IllegalArgumentException(file + ": region '" + name + "' has no README: end");
        }
        return regions;
    }

    /** The ```java blocks of {@code markdown} by the name of the marker line just before each. */
    static Map<String, String> blocks(String markdown) {
        Map<String, String> blocks = new LinkedHashMap<>();
        String[] all = markdown.split("\n", -1);
        for (int i = 0; i < all.length; i++) {
            if (!all[i].equals("```java")) {
                continue;
            }
            Matcher m = i > 0 ? MARKER.matcher(all[i - 1]) : null;
            if (m == null || !m.matches()) {
                throw new IllegalArgumentException("README.md:" + (i + 1)
                        + ": a ```java block without a <!-- snippet: NAME --> line before it");
            }
            List<String> lines = new ArrayList<>();
            int j = i + 1;
            for (; j < all.length && !all[j].equals("```"); j++) {
                lines.add(all[j]);
            }
            if (j == all.length) {
                throw new IllegalArgumentException("README.md:" + (i + 1) + ": a ```java block is never closed");
            }
            if (blocks.put(m.group(1), String.join("\n", lines)) != null) {
                throw new IllegalArgumentException("README.md:" + (i + 1) + ": snippet '" + m.group(1) + "' twice");
            }
            i = j;
        }
        return blocks;
    }

    /**
     * Every difference between the README's blocks and the regions, one line each; empty when
     * they agree. Each block needs its region and each region its block.
     */
    static List<String> differences(Map<String, String> blocks, Map<String, String> regions) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> block : blocks.entrySet()) {
            String region = regions.get(block.getKey());
            if (region == null) {
                out.add("snippet '" + block.getKey() + "': no region of that name in the compiled snippets");
            } else if (!region.equals(block.getValue())) {
                out.add("snippet '" + block.getKey() + "': " + firstDifference(region, block.getValue()));
            }
        }
        for (String name : regions.keySet()) {
            if (!blocks.containsKey(name)) {
                out.add("region '" + name + "': not in README.md");
            }
        }
        return out;
    }

    private static String firstDifference(String code, String readme) {
        String[] a = code.split("\n", -1);
        String[] b = readme.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "(nothing)";
            String y = i < b.length ? b[i] : "(nothing)";
            if (!x.equals(y)) {
                return "line " + (i + 1) + " expected (code) \"" + x + "\" but README.md has \"" + y + "\"";
            }
        }
        return "differs"; // not reached: unequal texts differ in some line
    }

    private static String dedent(List<String> lines) {
        int indent = Integer.MAX_VALUE;
        for (String line : lines) {
            if (!line.isBlank()) {
                indent = Math.min(indent, line.length() - line.stripLeading().length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            out.add(line.isBlank() ? "" : line.substring(indent));
        }
        return String.join("\n", out);
    }
}
