package io.swaggersocket.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option's value comes from when the command line does not give it: the environment
 * variable {@code SWAGGERSOCKET_<OPTION>} (upper case, dashes as underscores: {@code --token-file}
 * is {@code SWAGGERSOCKET_TOKEN_FILE}), then the YAML file of {@code --config} (keys are the long
 * option names without their dashes; a list for a repeatable option), then the option's own
 * default. Picocli asks this provider only for options missing from the command line, which gives
 * the precedence flag &gt; env &gt; file &gt; default. Immutable once built; thread-safe.
 */
final class Settings implements CommandLine.IDefaultValueProvider {
    /** The prefix of every environment variable the command reads. */
    static final String ENV_PREFIX = "SWAGGERSOCKET_";
    /**
     * Joins a list from the file or the environment for picocli, which splits repeatable options at
     * commas ({@code split = ","} on each of them).
     */
    static final String LIST_SEPARATOR = ",";
    /**
     * The split of repeatable options whose values hold commas of their own ({@code watch
     * --register connections.create,delete.*}): a list from the file is joined with newlines for
     * them, and a variable separates several values with newlines.
     */
    static final String LINE_SPLIT = "\\n";

    private final Map<String, String> env;
    private final Map<String, String> file;

    private Settings(Map<String, String> env, Map<String, String> file) {
        this.env = env;
        this.file = file;
    }

    /**
     * The settings for one run of subcommand {@code spec}: {@code args} are its arguments, scanned
     * for {@code --config FILE} only (picocli parses them all afterwards); without it, the variable
     * {@code SWAGGERSOCKET_CONFIG} may name the file.
     *
     * @throws CommandLine.ParameterException the file cannot be read, is not YAML, or has a key
     *         that is no option of the subcommand
     */
    static Settings of(CommandSpec spec, List<String> args, Map<String, String> env) {
        String config = env.get(ENV_PREFIX + "CONFIG");
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                break;
            }
            if (arg.equals("--config") && i + 1 < args.size()) {
                config = args.get(i + 1);
            } else if (arg.startsWith("--config=")) {
                config = arg.substring("--config=".length());
            }
        }
        Map<String, String> file = config == null || config.isBlank() ? Map.of() : read(spec, Path.of(config));
        return new Settings(Map.copyOf(env), file);
    }

    /** The name of the variable for option {@code longName} ({@code --token-file}). */
    static String envName(String longName) {
        return ENV_PREFIX + key(longName).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    private static String key(String longName) {
        return longName.replaceFirst("^-+", "");
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.longestName().equals("--config")) {
            return null;
        }
        String fromEnv = env.get(envName(option.longestName()));
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return fromEnv;
        }
        return file.get(key(option.longestName()));
    }

    private static Map<String, String> read(CommandSpec spec, Path path) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(path));
        } catch (NoSuchFileException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config: cannot read " + path + ": no such file");
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config: cannot read " + path + ": "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Map.of();
        }
        if (!root.isObject()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config: expected a map of option names"
                    + " to values in " + path + " but it holds a " + root.getNodeType().toString().toLowerCase(Locale.ROOT));
        }
        Set<String> known = new TreeSet<>();
        spec.options().forEach(o -> known.add(key(o.longestName())));
        known.remove("config");
        known.remove("help");
        known.remove("version");
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            if (!known.contains(entry.getKey())) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--config: " + path + ": unknown key '"
                        + entry.getKey() + "'; expected one of " + String.join(", ", known));
            }
            OptionSpec option = spec.findOption(entry.getKey());
            String separator = option != null && LINE_SPLIT.equals(option.splitRegex()) ? "\n" : LIST_SEPARATOR;
            values.put(entry.getKey(), text(spec, path, entry.getKey(), entry.getValue(), separator));
        }
        return values;
    }

    private static String text(CommandSpec spec, Path path, String key, JsonNode value, String separator) {
        if (value.isValueNode()) {
            return value.asText();
        }
        if (value.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isValueNode()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--config: " + path + ": '" + key
                            + "' must be a list of plain values");
                }
                items.add(item.asText());
            }
            return String.join(separator, items);
        }
        throw new CommandLine.ParameterException(spec.commandLine(), "--config: " + path + ": '" + key
                + "' must be a value or a list of values");
    }
}
