package dev.salient.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code salient} command line; each task is a subcommand. */
@Command(name = "salient", mixinStandardHelpOptions = true, version = "salient 0.1.0",
        description = "Shows why an image classifier chose a class.",
        subcommands = {CommandLine.HelpCommand.class})
public final class SalientCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SalientCommand()).execute(args));
    }
}
