package io.swaggersocket.examples;

import io.swaggersocket.examples.callback.CallbackExample;
import io.swaggersocket.examples.forward.ForwardExample;
import io.swaggersocket.examples.petstore.PetstoreExample;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code ./swaggersocket} command line: one subcommand per job. */
public final class Main {
    private static final String USAGE = String.join("\n",
            "usage: swaggersocket <command> [options]",
            "",
            "commands:",
            "  server          run a tunnel server: agents dial it; ingress and admin API on the same port",
            "  agent           dial a server and expose a local HTTP service through the tunnel",
            "  sign            sign a request (SWS1-HMAC-SHA256) and print the headers to send, for curl",
            "  demo [--once]   start a server and an agent on loopback and call through the tunnel",
            "  example NAME    run one example and exit: petstore, callback or forward",
            "",
            "Run 'swaggersocket <command> --help' for a command's options.");

    /** Held so that the level sticks: java.util.logging keeps loggers only weakly. */
    private static final List<java.util.logging.Logger> QUIET = List.of(
            java.util.logging.Logger.getLogger("io.undertow"), java.util.logging.Logger.getLogger("org.xnio"),
            java.util.logging.Logger.getLogger("org.jboss"));

    /** The {@code example} subcommand's examples, by name, in the order the usage lists them. */
    private static final Map<String, Example> EXAMPLES = examples();

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
            case "server" -> {
                return io.swaggersocket.examples.cli.ServerCommand.run(rest, System.out, System.err);
            }
            case "agent" -> {
                return io.swaggersocket.examples.cli.AgentCommand.run(rest, System.out, System.err);
            }
            case "sign" -> {
                return io.swaggersocket.examples.cli.SignCommand.run(rest, System.out, System.err);
            }
            case "demo" -> {
                if (rest.contains("--help")) {
                    System.out.println("usage: swaggersocket demo [--once]\n\n"
                            + "Starts a server on a free loopback port (tunnel, ingress and admin API behind a fresh\n"
                            + "token) and an agent that serves the petstore OpenAPI example, calls the agent through a\n"
                            + "generated client and through the ingress, and prints curl lines to try next. --once\n"
                            + "exits after the calls; without it the demo keeps running until Ctrl-C.");
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
            case "example" -> {
                return example(rest);
            }
            default -> {
                System.err.println("swaggersocket: unknown command " + args.get(0) + " (try --help)");
                return 2;
            }
        }
    }

    /** One runnable example: its help text and what it runs. */
    private record Example(String help, ExampleRun run) {
    }

    @FunctionalInterface
    private interface ExampleRun {
        void run(PrintStream out) throws Exception;
    }

    private static Map<String, Example> examples() {
        Map<String, Example> examples = new LinkedHashMap<>();
        examples.put("petstore", new Example(String.join("\n",
                "usage: swaggersocket example petstore",
                "",
                "An agent serves petstore.yaml (an OpenApiHandler over an in-memory store); the server calls",
                "it through the tunnel with the two clients openapi-generator made from the same file: the",
                "'native' library (java.net.http) and the 'apache-httpclient' library (httpclient5), each",
                "given the connection as its transport."), PetstoreExample::run));
        examples.put("callback", new Example(String.join("\n",
                "usage: swaggersocket example callback",
                "",
                "The server hosts a job API and asks the agent to work; the agent's handler calls the server",
                "back over the same connection (claim the job, report the result) before it answers: both",
                "directions on one socket at once, for one job and then eight together."), CallbackExample::run));
        examples.put("forward", new Example(String.join("\n",
                "usage: swaggersocket example forward",
                "",
                "A local HTTP service runs on 127.0.0.1; the agent exposes it with ForwardingHandler and the",
                "server calls it through the tunnel: JSON calls, 8 MiB streamed each way with SHA-256 checked,",
                "and the 502 that follows once the local service is stopped."), ForwardExample::run));
        return examples;
    }

    private static int example(List<String> args) throws Exception {
        String usage = "usage: swaggersocket example <" + String.join("|", EXAMPLES.keySet()) + "> [--help]";
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("-h")) {
            (args.isEmpty() ? System.err : System.out).println(usage + "\n\nRuns one example on loopback and exits.");
            return args.isEmpty() ? 2 : 0;
        }
        Example example = EXAMPLES.get(args.get(0));
        if (example == null) {
            System.err.println("swaggersocket example: unknown example " + args.get(0) + "\n" + usage);
            return 2;
        }
        List<String> options = args.subList(1, args.size());
        if (options.contains("--help") || options.contains("-h")) {
            System.out.println(example.help());
            return 0;
        }
        if (!options.isEmpty()) {
            System.err.println("swaggersocket example " + args.get(0) + ": unknown option " + options.get(0));
            return 2;
        }
        example.run().run(System.out);
        return 0;
    }
}
