package io.swaggersocket.examples;

import java.util.Arrays;
import java.util.List;

/** The {@code ./swaggersocket} command line: one subcommand per job. */
public final class Main {
    private static final String USAGE = String.join("\n",
            "usage: swaggersocket <command> [options]",
            "",
            "commands:",
            "  demo [--once]   start a server and an agent on loopback and call through the tunnel",
            "",
            "Run 'swaggersocket <command> --help' for a command's options.");

    /** Held so that the level sticks: java.util.logging keeps loggers only weakly. */
    private static final List<java.util.logging.Logger> QUIET = List.of(
            java.util.logging.Logger.getLogger("io.undertow"), java.util.logging.Logger.getLogger("org.xnio"),
            java.util.logging.Logger.getLogger("org.jboss"));

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        // Undertow and XNIO announce every start and stop at INFO; the commands say what matters.
        QUIET.forEach(logger -> logger.setLevel(java.util.logging.Level.WARNING));
        System.exit(run(Arrays.asList(args)));
    }

    static int run(List<String> args) throws Exception {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            System.out.println(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        List<String> rest = args.subList(1, args.size());
        switch (args.get(0)) {
            case "demo" -> {
                if (rest.contains("--help")) {
                    System.out.println("usage: swaggersocket demo [--once]\n\n"
                            + "Starts a server on a free loopback port and an agent that dials it, then calls the\n"
                            + "agent through the tunnel and the server back from the agent. --once exits after the\n"
                            + "calls; without it the demo keeps running until Ctrl-C.");
                    return 0;
                }
                for (String option : rest) {
                    if (!option.equals("--once")) {
                        System.err.println("swaggersocket demo: unknown option " + option);
                        return 2;
                    }
                }
                new Demo(System.out).run(rest.contains("--once"));
                return 0;
            }
            default -> {
                System.err.println("swaggersocket: unknown command " + args.get(0) + " (try --help)");
                return 2;
            }
        }
    }
}
