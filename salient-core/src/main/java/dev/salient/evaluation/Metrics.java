package dev.salient.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Every metric with its defaults, by name: the command line's and the report's list. */
public final class Metrics {
    private Metrics() {}

    /** Every metric with default settings, in report order. */
    public static List<Metric> all() {
        return List.of(new Deletion(), new Insertion(), new Road(), new AverageDrop(), new PointingGame(),
                new ModelRandomisation(), new Complexity());
    }

    public static List<String> names() {
        return all().stream().map(Metric::name).toList();
    }

    /** @throws IllegalArgumentException for an unknown name, listing the known ones */
    public static Metric byName(String name) {
        for (Metric m : all()) {
            if (m.name().equals(name.strip().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown metric '" + name + "'; metrics: " + String.join(", ", names()));
    }

    /** The named metrics, in the order given, without repeats. */
    public static List<Metric> byNames(List<String> names) {
        List<Metric> out = new ArrayList<>();
        for (String n : names) {
            Metric m = byName(n);
            if (out.stream().noneMatch(o -> o.name().equals(m.name()))) {
                out.add(m);
            }
        }
        return out;
    }
}
