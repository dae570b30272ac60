package io.swaggersocket.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code swaggersocket} command: one picocli subcommand per job. Each run is independent
 * (state lives in the subcommand objects built for it), so {@link #run} may be called from
 * several threads at once.
 */
@Command(name = "swaggersocket", mixinStandardHelpOptions = true, usageHelpWidth = 100, versionProvider = Main.Version.class,
        description = "HTTP and OpenAPI services carried both ways over one multiplexed WebSocket.",
        footerHeading = "%n", footer = {Main.EXIT_CODES, "",
            "Every option can also come from the environment (SWAGGERSOCKET_<OPTION>, such as",
            "SWAGGERSOCKET_LISTEN) or from the YAML file of --config; a flag beats the environment, which",
            "beats the file. Run 'swaggersocket COMMAND --help' for a command's options."})
public final class Main implements java.util.concurrent.Callable<Integer> {
    /** Ran, and stopped when asked (Ctrl-C, SIGTERM). */
    static final int OK = 0;
    /** Could not start or run: a port taken, a file that cannot be read. */
    static final int FAILED = 1;
    /** A command line (or environment, or config file) that cannot run. */
    static final int USAGE = 2;
    /** The server refused the agent for good (401 credentials, 403 name): waiting will not help. */
    static final int REFUSED = 3;
    static final String EXIT_CODES = "Exit status: 0 stopped as asked (Ctrl-C, SIGTERM); 1 cannot start (port taken, file"
            + " unreadable); 2 bad command line, environment or config file; 3 the server refused the agent"
            + " (401 credentials, 403 name), which retrying would not change.";

    private final Io io;

    private Main(Io io) {
        this.io = io;
    }

    /** Where a run writes, and the environment it reads. */
    record Io(PrintStream out, PrintStream err, Map<String, String> env) {
    }

    public static void main(String[] args) {
        Logs.configure(Logs.DEFAULT_LEVEL, Logs.Format.TEXT);
        int code = run(Arrays.asList(args), new Io(System.out, System.err, System.getenv()));
        Shutdown.exit(code);
    }

    @Override
    public Integer call() {
        io.err.println("swaggersocket: a command is needed (try --help)");
        return USAGE;
    }

    /** {@link #run(List, Io)} on the process's standard streams and environment. */
    static int run(List<String> args) {
        return run(args, new Io(System.out, System.err, System.getenv()));
    }

    /** Runs the command line {@code args} and returns the exit status. */
    static int run(List<String> args, Io io) {
        CommandLine cl = commandLine(io);
        if (args.isEmpty()) {
            cl.usage(io.err);
            return USAGE;
        }
        CommandLine sub = cl.getSubcommands().get(args.get(0));
        if (sub != null && sub.getCommandSpec().findOption("--config") != null) {
            try {
                sub.setDefaultValueProvider(Settings.of(sub.getCommandSpec(), args.subList(1, args.size()), io.env));
            } catch (CommandLine.ParameterException e) {
                return usage(e.getCommandLine(), e.getMessage(), io);
            }
        }
        return cl.execute(args.toArray(String[]::new));
    }

    static CommandLine commandLine(Io io) {
        CommandLine cl = new CommandLine(new Main(io));
        cl.addSubcommand("server", new ServerCommand(io));
        cl.addSubcommand("agent", new AgentCommand(io));
        cl.addSubcommand("sign", new SignCommand(io));
        cl.addSubcommand("watch", new WatchCommand(io));
        cl.addSubcommand("demo", new DemoCommand(io));
        cl.addSubcommand("example", new ExampleCommand(io));
        cl.addSubcommand("completion", new CompletionCommand(io));
        return configure(cl, io);
    }

    /** Output, and one-line errors with exit status 2 for what the user must fix. */
    static CommandLine configure(CommandLine cl, Io io) {
        cl.setOut(new PrintWriter(io.out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(io.err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler((e, args) -> usage(e.getCommandLine(), e.getMessage(), io));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof UsageException || e instanceof CommandLine.ParameterException) {
                return usage(line, e.getMessage(), io);
            }
            throw e;
        });
        return cl;
    }

    /**
     * Parses {@code args} into {@code command} with the environment and config file behind them, as
     * a run would: for tests of the precedence and of each option.
     *
     * @throws UsageException with picocli's one-line reason
     */
    static <T> T parse(T command, List<String> args, Map<String, String> env) throws UsageException {
        CommandLine cl = new CommandLine(command);
        try {
            cl.setDefaultValueProvider(Settings.of(cl.getCommandSpec(), args, env));
            cl.parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(e.getMessage());
        }
        return command;
    }

    /** One line naming the command and what is wrong; no usage dump, which would bury the reason. */
    private static int usage(CommandLine line, String message, Io io) {
        String name = line.getCommandSpec().qualifiedName();
        io.err.println((name.startsWith("swaggersocket") ? name : "swaggersocket " + name) + ": " + message
                + " (try --help)");
        return USAGE;
    }

    /** The version Maven wrote into swaggersocket-version.properties. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("/swaggersocket-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"swaggersocket " + p.getProperty("version", "unknown"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
