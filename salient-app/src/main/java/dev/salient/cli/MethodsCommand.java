package dev.salient.cli;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.MethodDescription;
import dev.salient.attribution.MethodTraits;
import dev.salient.attribution.ParameterDescription;
import dev.salient.render.DisplaySettings;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code salient methods}: every attribution method as its description says, with its parameters and limits. */
@Command(name = "methods", mixinStandardHelpOptions = true,
        description = "List attribution methods, their parameters (-P NAME=DEFAULT, limits) and traits.")
public final class MethodsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        for (MethodDescription d : AttributionMethods.all()) {
            print(d, System.out);
        }
        return 0;
    }

    static void print(MethodDescription d, PrintStream out) {
        out.printf("%s — %s%n", d.name(), d.title());
        out.printf("    %s%n", d.summary());
        out.printf("    %s%n", traits(d.traits()));
        for (ParameterDescription<?> p : d.parameters()) {
            String unit = p.unit().isEmpty() ? "" : " " + p.unit();
            String who = p.access() == ParameterDescription.Access.OPERATOR ? " (not settable over the web API)" : "";
            out.printf("    -P %-24s %-16s %s%s%n", p.name() + "=" + ParameterDescription.format(p.defaultValue()),
                    p.range().isEmpty() ? p.type().key() : p.range() + unit, p.help(), who);
        }
    }

    private static String traits(MethodTraits t) {
        List<String> parts = new ArrayList<>();
        parts.add((t.map() == MethodTraits.MapKind.LAYER ? "layer" : "pixel") + " map, "
                + (t.signed() ? "signed" : "never negative"));
        parts.add("drawn by default: " + ParameterDescription.format(DisplaySettings.defaultColorMap(t.map())) + ", "
                + ParameterDescription.format(DisplaySettings.defaultOverlay(t.map())) + " overlay, "
                + ParameterDescription.format(t.scale()) + " scaling");
        parts.add(t.cost().toString());
        if (t.exportable()) {
            parts.add("exportable as ONNX (export-explainer)");
        }
        if (t.needs() == MethodTraits.Needs.ATTENTION) {
            parts.add("transformers only (reads the attention probabilities)");
        }
        return String.join("; ", parts);
    }
}
