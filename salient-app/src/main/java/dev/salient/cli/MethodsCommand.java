package dev.salient.cli;

import dev.salient.attribution.AttributionMethods;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code salient methods}: every attribution method with its parameters and their defaults. */
@Command(name = "methods", mixinStandardHelpOptions = true, description = "List attribution methods and their parameters.")
public final class MethodsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (AttributionMethods.Entry e : AttributionMethods.entries()) {
            String params = e.defaults().entrySet().stream().map(p -> p.getKey() + "=" + p.getValue())
                    .collect(Collectors.joining(" "));
            System.out.printf("%-22s %s%n", e.name(), e.description());
            if (!params.isEmpty()) {
                System.out.printf("%-22s -P %s%n", "", params.replace(" ", " -P "));
            }
        }
        return 0;
    }
}
