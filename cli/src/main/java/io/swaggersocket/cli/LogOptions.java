package io.swaggersocket.cli;

import picocli.CommandLine.Option;

/** The logging options of the long-running commands; set by picocli, read once. Not thread-safe. */
final class LogOptions {
    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = Logs.DEFAULT_LEVEL,
            description = "trace, debug, info, warn, error or off (default: ${DEFAULT-VALUE})")
    String level;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text, or json: one JSON object a line with timestamp, level, loggerName, message and"
                    + " the key fields (kvpList) (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--config", paramLabel = "FILE",
            description = "a YAML file of options: keys are the long option names without dashes, lists for"
                    + " repeatable options (also SWAGGERSOCKET_CONFIG)")
    String config;

    /** Sets up Logback as these options say. */
    void apply() throws UsageException {
        Logs.Format f = switch (format.toLowerCase(java.util.Locale.ROOT)) {
            case "text" -> Logs.Format.TEXT;
            case "json" -> Logs.Format.JSON;
            default -> throw new UsageException("--log-format: expected text or json but was \"" + format + "\"");
        };
        try {
            Logs.configure(level, f);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }
}
