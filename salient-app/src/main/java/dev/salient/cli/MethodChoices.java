package dev.salient.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.Iterator;
import java.util.List;

/**
 * The methods a command's {@code --method} takes, from the registry: its help lists them
 * ({@code completionCandidates}) and its default is the first ({@code defaultValueProvider}), so neither is written
 * in the command.
 */
abstract class MethodChoices implements Iterable<String>, CommandLine.IDefaultValueProvider {
    /** The methods, in the registry's menu order. */
    abstract List<String> methods();

    @Override
    public Iterator<String> iterator() {
        return methods().iterator();
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        return arg instanceof OptionSpec o && o.longestName().equals("--method") ? methods().get(0) : null;
    }
}
