package dev.salient.cli;

import dev.salient.attribution.ParameterDescription;
import dev.salient.attribution.ParameterType;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.List;
import java.util.Locale;

/**
 * Adds a {@code --NAME} option to a command for each described parameter (help, value label and default from the
 * description), so that flags such as {@code --sensitivity} are declared once, in core, for the command line and the
 * web API alike. The values stay text until {@link ParameterDescription#parse} checks them, which names the flag in
 * its message. Subclasses list the parameters and are named in {@code @Command(modelTransformer = ...)}.
 */
abstract class DescribedOptions implements CommandLine.IModelTransformer {
    /** The parameters to offer as options, in help order. */
    abstract List<ParameterDescription<?>> parameters();

    @Override
    public CommandSpec transform(CommandSpec command) {
        for (ParameterDescription<?> p : parameters()) {
            OptionSpec.Builder option = OptionSpec.builder(flag(p)).description(help(p));
            if (p.type() == ParameterType.FLAG) {
                option.arity("0").type(Boolean.class);
            } else {
                option.arity("1").type(String.class).paramLabel(p.type() == ParameterType.CHOICE
                        ? String.join("|", p.choices()) : p.name().toUpperCase(Locale.ROOT));
            }
            command.addOption(option.build());
        }
        return command;
    }

    /** The option of a parameter: {@code --} and its name. */
    static String flag(ParameterDescription<?> p) {
        return "--" + p.name();
    }

    /** The text given for a described option (null when absent), as {@link ParameterDescription#parse} takes it. */
    static String text(CommandSpec command, String name) {
        OptionSpec option = command.findOption(name);
        Object value = option == null ? null : option.getValue();
        return value == null ? null : value.toString();
    }

    /** The typed value of a described option, refused with a message naming the flag. */
    static <T> T value(CommandSpec command, ParameterDescription<T> p) {
        return p.parse(text(command, p.name()), flag(p));
    }

    private static String help(ParameterDescription<?> p) {
        String limits = p.type() == ParameterType.INT || p.type() == ParameterType.NUMBER ? p.range() : "";
        String dflt = p.defaultValue() == null || p.type() == ParameterType.FLAG ? ""
                : "default: " + ParameterDescription.format(p.defaultValue());
        String both = limits.isEmpty() || dflt.isEmpty() ? limits + dflt : limits + "; " + dflt;
        String text = p.help().isEmpty() ? p.label()
                : Character.toUpperCase(p.help().charAt(0)) + p.help().substring(1);
        return (text + (both.isEmpty() ? "." : " (" + both + ").")).replace("%", "%%"); // picocli formats help
    }
}
