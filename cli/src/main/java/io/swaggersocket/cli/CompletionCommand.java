package io.swaggersocket.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code swaggersocket completion}: prints picocli's bash completion script. Stateless. */
@Command(name = "completion", header = "print a bash completion script", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Prints a bash (and zsh) completion script for swaggersocket. To use it now:",
            "  source <(swaggersocket completion)",
            "or for good: swaggersocket completion > /etc/bash_completion.d/swaggersocket"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private final Main.Io io;

    CompletionCommand(Main.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        io.out().print(AutoComplete.bash("swaggersocket", spec.root().commandLine()));
        io.out().flush();
        return Main.OK;
    }
}
