package io.swaggersocket.cli;

import io.swaggersocket.examples.Demo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code swaggersocket demo}: the examples' {@link Demo}. Filled by picocli per run: not thread-safe. */
@Command(name = "demo", header = "start a server and an agent on loopback and call through the tunnel", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Starts a server on a free loopback port (tunnel, ingress and admin API behind a fresh",
            "token) and an agent that serves the petstore OpenAPI example, calls the agent through a",
            "generated client and through the ingress, and prints curl lines to try next."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--once", description = "exit after the calls; without it the demo keeps running until Ctrl-C")
    boolean once;

    private final Main.Io io;

    DemoCommand(Main.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws Exception {
        new Demo(io.out()).run(once);
        return Main.OK;
    }
}
