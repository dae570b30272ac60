package io.swaggersocket.examples.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The options of one command line, checked against what the command knows: {@code --name value},
 * {@code --name=value} and flags. Not thread-safe; built once per parse.
 */
final class CliArgs {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    private CliArgs() {
    }

    /**
     * Parses {@code args}: {@code valued} options take a value, {@code repeatable} ones (a subset)
     * may come more than once, {@code flags} take none. {@code --help} is always a flag.
     *
     * @throws UsageException with a one-line reason: an unknown option, a missing value, an option
     *         given twice, an argument that is no option
     */
    static CliArgs parse(List<String> args, Set<String> valued, Set<String> repeatable, Set<String> flags)
            throws UsageException {
        return parse(args, valued, repeatable, flags, 0);
    }

    /**
     * {@link #parse(List, Set, Set, Set)} for a command that also takes up to {@code maxPositional}
     * arguments that are not options (such as {@code METHOD URL}), anywhere among the options.
     */
    static CliArgs parse(List<String> args, Set<String> valued, Set<String> repeatable, Set<String> flags,
            int maxPositional) throws UsageException {
        CliArgs out = new CliArgs();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                if (out.positional.size() < maxPositional) {
                    out.positional.add(arg);
                    continue;
                }
                throw new UsageException("unexpected argument " + arg);
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            String value;
            if (flags.contains(name) || name.equals("help")) {
                if (eq >= 0) {
                    throw new UsageException("--" + name + " takes no value");
                }
                value = "";
            } else if (valued.contains(name)) {
                if (eq >= 0) {
                    value = arg.substring(eq + 1);
                } else if (i + 1 < args.size()) {
                    value = args.get(++i); // whatever it is: a token may well start with "--"
                } else {
                    throw new UsageException("--" + name + " needs a value");
                }
            } else {
                throw new UsageException("unknown option --" + name);
            }
            List<String> list = out.values.computeIfAbsent(name, k -> new ArrayList<>());
            if (!list.isEmpty() && !repeatable.contains(name)) {
                throw new UsageException("--" + name + " is given twice");
            }
            list.add(value);
        }
        return out;
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The value of a single option, or {@code null}. */
    String value(String name) {
        List<String> list = values.get(name);
        return list == null ? null : list.get(0);
    }

    /** The value of an option the command cannot do without. */
    String required(String name) throws UsageException {
        String v = value(name);
        if (v == null) {
            throw new UsageException("--" + name + " is required");
        }
        return v;
    }

    /** The arguments that are not options, in order. */
    List<String> positional() {
        return List.copyOf(positional);
    }

    /** Every value of a repeatable option, in order. */
    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }
}
