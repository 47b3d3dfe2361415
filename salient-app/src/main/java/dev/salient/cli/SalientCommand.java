package dev.salient.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Entry point of the {@code salient} command line; each task is a subcommand. Errors a person can act on
 * (bad image, bad model, unknown label...) print one line on stderr and exit non-zero; {@code --verbose}
 * adds the stack trace.
 */
@Command(name = "salient", mixinStandardHelpOptions = true, version = "salient 0.1.0",
        description = "Shows why an image classifier chose a class.",
        subcommands = {ServeCommand.class, ClassifyCommand.class, ExplainCommand.class, AuditCommand.class,
                MethodsCommand.class, ExportExplainerCommand.class, ModelsCommand.class, BenchCommand.class,
                EvaluateCommand.class,
                CommandLine.HelpCommand.class})
public final class SalientCommand implements Runnable {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces on errors.")
    boolean verbose;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SalientCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            if (verbose) {
                e.printStackTrace(commandLine.getErr());
            }
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            commandLine.getErr().println("salient: error: " + message.replaceAll("\\s*\\R\\s*", " "));
            return 1;
        });
        return cli;
    }
}
