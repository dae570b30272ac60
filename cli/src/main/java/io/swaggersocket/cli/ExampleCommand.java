package io.swaggersocket.cli;

import io.swaggersocket.examples.callback.CallbackExample;
import io.swaggersocket.examples.eventlog.EventLogExample;
import io.swaggersocket.examples.forward.ForwardExample;
import io.swaggersocket.examples.petstore.PetstoreExample;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code swaggersocket example NAME}: one of the runnable examples, each a subcommand. Stateless. */
@Command(name = "example", header = "run one example and exit: petstore, callback, forward or eventlog", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runs one example on loopback and exits.")
final class ExampleCommand implements Callable<Integer> {
    private final Main.Io io;

    ExampleCommand(Main.Io io) {
        this.io = io;
    }

    /** Without an example's name: the usage, and status 2. */
    @Override
    public Integer call() {
        io.err().println("swaggersocket example: expected an example: petstore, callback, forward or eventlog (try --help)");
        return Main.USAGE;
    }

    @Command(name = "petstore", mixinStandardHelpOptions = true,
            description = {"An agent serves petstore.yaml (an OpenApiHandler over an in-memory store); the server calls",
                "it through the tunnel with the two clients openapi-generator made from the same file: the",
                "'native' library (java.net.http) and the 'apache-httpclient' library (httpclient5), each",
                "given the connection as its transport."})
    int petstore() throws Exception {
        PetstoreExample.run(io.out());
        return Main.OK;
    }

    @Command(name = "callback", mixinStandardHelpOptions = true,
            description = {"The server hosts a job API and asks the agent to work; the agent's handler calls the server",
                "back over the same connection (claim the job, report the result) before it answers: both",
                "directions on one socket at once, for one job and then eight together."})
    int callback() throws Exception {
        CallbackExample.run(io.out());
        return Main.OK;
    }

    @Command(name = "forward", mixinStandardHelpOptions = true,
            description = {"A local HTTP service runs on 127.0.0.1; the agent exposes it with ForwardingHandler and the",
                "server calls it through the tunnel: JSON calls, 8 MiB streamed each way with SHA-256 checked,",
                "and the 502 that follows once the local service is stopped."})
    int forward() throws Exception {
        ForwardExample.run(io.out());
        return Main.OK;
    }

    @Command(name = "eventlog", mixinStandardHelpOptions = true,
            description = {"An agent hosts an event log (eventlog.yaml, after theia/selene) stored in an embedded H2",
                "database in a temporary directory: the server publishes 100,000 events with the client",
                "openapi-generator made from the document, finds some by time, tags and content in both",
                "orders, follows new ones live as NDJSON through the tunnel and over a WebSocket through the",
                "ingress, and reopens the log to show it survived."})
    int eventlog() throws Exception {
        EventLogExample.run(io.out());
        return Main.OK;
    }
}
