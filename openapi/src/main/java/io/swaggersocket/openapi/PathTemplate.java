package io.swaggersocket.openapi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A path template such as {@code /pets/{petId}} or {@code /files/{name}.json}, matched segment by
 * segment against decoded request segments. A variable matches one non-empty piece of one
 * segment, so {@code /pets/} does not match {@code /pets/{id}}.
 */
final class PathTemplate implements Comparable<PathTemplate> {
    private static final int LITERAL = 0;
    private static final int MIXED = 1;
    private static final int VARIABLE = 2;

    final String template;
    /** The template with variable names erased: two templates with one shape are ambiguous. */
    final String shape;
    final List<String> variables;
    private final List<Segment> segments;

    private record Segment(int kind, String literal, Pattern pattern, List<String> names) {
    }

    private PathTemplate(String template, String shape, List<String> variables, List<Segment> segments) {
        this.template = template;
        this.shape = shape;
        this.variables = variables;
        this.segments = segments;
    }

    /** @throws IllegalArgumentException naming the template when it is malformed */
    static PathTemplate parse(String template) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("path '" + template + "': expected a path starting with '/'");
        }
        List<Segment> segments = new ArrayList<>();
        List<String> variables = new ArrayList<>();
        StringBuilder shape = new StringBuilder();
        for (String raw : template.substring(1).split("/", -1)) {
            shape.append('/');
            if (raw.indexOf('{') < 0 && raw.indexOf('}') < 0) {
                String literal;
                try {
                    literal = Decoding.decode(raw, false);
                } catch (IllegalArgumentException e) {
                    literal = raw;
                }
                segments.add(new Segment(LITERAL, literal, null, List.of()));
                shape.append(raw);
                continue;
            }
            StringBuilder regex = new StringBuilder();
            List<String> names = new ArrayList<>();
            int i = 0;
            while (i < raw.length()) {
                int open = raw.indexOf('{', i);
                int close = open < 0 ? -1 : raw.indexOf('}', open);
                int stray = raw.indexOf('}', i);
                if (open < 0 || close < 0 || stray >= 0 && stray < open) {
                    if (open >= 0 || stray >= 0) {
                        throw new IllegalArgumentException("path '" + template + "': unbalanced braces");
                    }
                    regex.append(Pattern.quote(raw.substring(i)));
                    shape.append(raw, i, raw.length());
                    break;
                }
                if (open > i) {
                    regex.append(Pattern.quote(raw.substring(i, open)));
                    shape.append(raw, i, open);
                }
                String name = raw.substring(open + 1, close);
                if (name.isEmpty() || name.indexOf('{') >= 0) {
                    throw new IllegalArgumentException("path '" + template + "': malformed variable '{" + name + "}'");
                }
                if (variables.contains(name)) {
                    throw new IllegalArgumentException("path '" + template + "': variable '" + name + "' appears twice");
                }
                if (!names.isEmpty() && open == i) {
                    throw new IllegalArgumentException("path '" + template + "': variables '" + names.get(names.size() - 1)
                            + "' and '" + name + "' are adjacent, so the path cannot be split between them");
                }
                names.add(name);
                variables.add(name);
                regex.append("(.+?)");
                shape.append("{}");
                i = close + 1;
            }
            boolean whole = names.size() == 1 && raw.equals("{" + names.get(0) + "}");
            segments.add(new Segment(whole ? VARIABLE : MIXED, null, Pattern.compile(regex.toString(), Pattern.DOTALL),
                    List.copyOf(names)));
        }
        return new PathTemplate(template, shape.toString(), List.copyOf(variables), List.copyOf(segments));
    }

    /** The variables' decoded values when the segments match, else {@code null}. */
    Map<String, String> match(List<String> path, int from) {
        if (path.size() - from != segments.size()) {
            return null;
        }
        Map<String, String> values = null;
        for (int i = 0; i < segments.size(); i++) {
            Segment segment = segments.get(i);
            String actual = path.get(from + i);
            if (segment.kind == LITERAL) {
                if (!segment.literal.equals(actual)) {
                    return null;
                }
                continue;
            }
            Matcher m = segment.pattern.matcher(actual);
            if (!m.matches()) {
                return null;
            }
            if (values == null) {
                values = new LinkedHashMap<>();
            }
            for (int g = 0; g < segment.names.size(); g++) {
                values.put(segment.names.get(g), m.group(g + 1));
            }
        }
        return values == null ? Map.of() : Collections.unmodifiableMap(values);
    }

    /**
     * Most specific first: segment by segment from the left, a literal beats a segment mixing text
     * and variables, which beats a lone variable. So {@code /pets/mine} is tried before
     * {@code /pets/{id}}.
     */
    @Override
    public int compareTo(PathTemplate other) {
        int n = Math.min(segments.size(), other.segments.size());
        for (int i = 0; i < n; i++) {
            int c = Integer.compare(segments.get(i).kind, other.segments.get(i).kind);
            if (c != 0) {
                return c;
            }
        }
        int c = Integer.compare(segments.size(), other.segments.size());
        return c != 0 ? c : template.compareTo(other.template);
    }

    @Override
    public String toString() {
        return template;
    }
}
