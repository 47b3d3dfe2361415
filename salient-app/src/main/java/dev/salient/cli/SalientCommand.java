package dev.salient.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * Entry point of the {@code salient} command line; each task is a subcommand. Errors a person can act on
 * (bad image, bad model, unknown label...) print one line on stderr and exit non-zero; {@code --verbose}
 * adds the stack trace.
 */
@Command(name = "salient", mixinStandardHelpOptions = true, version = "salient 0.1.0",
        description = "Shows why an image classifier chose a class.")
public final class SalientCommand implements Runnable {
    /** The subcommands, in the order the help lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(ServeCommand.class, ClassifyCommand.class,
            ExplainCommand.class, AuditCommand.class, MethodsCommand.class, ExportExplainerCommand.class,
            ModelsCommand.class, BenchCommand.class, EvaluateCommand.class, CommandLine.HelpCommand.class);

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces on errors.")
    boolean verbose;

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        Preinitializer preinitializer = Preinitializer.start(args);
        System.setProperty("java.awt.headless", "true");
        int exit = commandLine(args).execute(args);
        preinitializer.join();
        System.exit(exit);
    }

    /** The whole command line, every subcommand built. */
    public static CommandLine commandLine() {
        return commandLine(new String[0]);
    }

    /**
     * The command line for {@code args}: when they start with a subcommand's name (but {@code help}, which needs the
     * others), only that subcommand is built, and it parses and prints its help exactly as in the whole tree. Picocli
     * builds a command's model by reflection over its annotations, interpreted (its classes are Java 5 bytecode,
     * which class-data sharing cannot keep): the whole tree took 0.22–0.26 s of an explain, the explain command
     * alone 0.14–0.15 s.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new SalientCommand());
        String first = args.length == 0 ? "" : args[0];
        List<Class<?>> named = SUBCOMMANDS.stream().filter(c -> c != CommandLine.HelpCommand.class)
                .filter(c -> c.getAnnotation(Command.class).name().equals(first)).toList();
        for (Class<?> subcommand : named.isEmpty() ? SUBCOMMANDS : named) {
            cli.addSubcommand(new CommandLine(subcommand)); // built on its own: its model transformer applied
        }
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
