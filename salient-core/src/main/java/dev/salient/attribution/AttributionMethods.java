package dev.salient.attribution;

import java.util.*;
import java.util.function.Function;

/**
 * Every attribution method by name, with its default parameters as strings (for the CLI and the web UI), and a
 * factory from name + string parameters. Unknown names, unknown parameter keys and malformed values give an
 * {@link IllegalArgumentException} whose message says what is accepted.
 *
 * <p>Names: {@code gradient}, {@code gradient-x-input}, {@code smoothgrad}, {@code smoothgrad-squared},
 * {@code vargrad}, {@code integrated-gradients}, {@code guided-backprop}, {@code deconvnet}, {@code gradcam},
 * {@code gradcam++}, {@code guided-gradcam}, {@code occlusion}.
 */
public final class AttributionMethods {
    /**
     * @param name        registry name
     * @param description one line for help texts
     * @param defaults    parameter names and default values, in display order
     */
    public record Entry(String name, String description, Map<String, String> defaults) {}

    private record Spec(Entry entry, Function<Params, AttributionMethod> factory) {}

    private static final Map<String, Spec> METHODS = new LinkedHashMap<>();

    static {
        Map<String, String> none = Map.of();
        add("gradient", "vanilla gradient of the target w.r.t. the input", none, p -> new VanillaGradient());
        add("gradient-x-input", "input times its gradient", none, p -> new GradientTimesInput());
        for (SmoothGrad.Variant v : SmoothGrad.Variant.values()) {
            SmoothGrad.Params d = SmoothGrad.Params.defaults(v);
            add(v.methodName(), switch (v) {
                        case PLAIN -> "mean gradient over noisy copies of the input";
                        case SQUARED -> "mean squared gradient over noisy copies of the input";
                        case VARGRAD -> "variance of the gradient over noisy copies of the input";
                    },
                    ordered("samples", d.samples(), "noise", d.noiseFraction(), "seed", d.seed(),
                            "batch", d.batchSize(), "memory-mb", d.memoryBudget() >> 20),
                    p -> new SmoothGrad(new SmoothGrad.Params(p.integer("samples", 1), p.decimal("noise", 0),
                            p.longValue("seed"), v, p.integer("batch", Batching.AUTO), p.memory())));
        }
        IntegratedGradients.Params ig = IntegratedGradients.Params.defaults();
        add("integrated-gradients", "path integral of the gradient from a baseline to the input",
                ordered("steps", ig.steps(), "rule", "gauss-legendre", "baseline", "black", "blur-sigma", 8.0,
                        "noise-seed", 0, "batch", ig.batchSize(), "memory-mb", ig.memoryBudget() >> 20),
                p -> {
                    IntegratedGradients.Rule rule = p.choice("rule", Map.of("trapezoid", IntegratedGradients.Rule.TRAPEZOID,
                            "midpoint", IntegratedGradients.Rule.MIDPOINT,
                            "gauss-legendre", IntegratedGradients.Rule.GAUSS_LEGENDRE));
                    String kind = p.choice("baseline", Map.of("black", "black", "blur", "blur", "noise", "noise"));
                    IntegratedGradients.Baseline baseline = switch (kind) {
                        case "blur" -> new IntegratedGradients.Baseline.Blurred(p.decimal("blur-sigma", Double.MIN_VALUE));
                        case "noise" -> new IntegratedGradients.Baseline.UniformNoise(p.longValue("noise-seed"));
                        default -> new IntegratedGradients.Baseline.Black();
                    };
                    return new IntegratedGradients(new IntegratedGradients.Params(
                            p.integer("steps", rule == IntegratedGradients.Rule.TRAPEZOID ? 2 : 1), rule, baseline,
                            p.integer("batch", Batching.AUTO), p.memory()));
                });
        add("guided-backprop", "gradient with only positive signal through each ReLU", none, p -> new GuidedBackprop());
        add("deconvnet", "gradient with ReLUs replaced by ReLU of the upstream gradient", none, p -> new Deconvnet());
        add("gradcam", "class activation map of a spatial layer weighted by mean gradients",
                ordered("layer", ""), p -> new GradCam(new GradCam.Params(p.text("layer"))));
        add("gradcam++", "Grad-CAM with Grad-CAM++ channel weights",
                ordered("layer", ""), p -> new GradCamPlusPlus(new GradCam.Params(p.text("layer"))));
        add("guided-gradcam", "guided backprop times the upsampled Grad-CAM map",
                ordered("layer", ""), p -> new GuidedGradCam(new GradCam.Params(p.text("layer"))));
        Occlusion.Params oc = Occlusion.Params.defaults();
        add("occlusion", "score drop when a sliding window is replaced by a baseline value (forward passes only)",
                ordered("window", oc.window(), "stride", oc.stride(), "baseline", "black",
                        "batch", oc.batchSize()),
                p -> new Occlusion(new Occlusion.Params(p.integer("window", 1), p.integer("stride", 1),
                        p.text("baseline").strip().equalsIgnoreCase("black") ? Float.NaN
                                : (float) p.decimal("baseline", -Double.MAX_VALUE), p.integer("batch", Batching.AUTO))));
    }

    private AttributionMethods() {}

    private static void add(String name, String description, Map<String, String> defaults,
                            Function<Params, AttributionMethod> factory) {
        METHODS.put(name, new Spec(new Entry(name, description, Collections.unmodifiableMap(defaults)), factory));
    }

    private static Map<String, String> ordered(Object... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], String.valueOf(keyValues[i + 1]));
        }
        return m;
    }

    /** Method names in display order. */
    public static List<String> names() {
        return List.copyOf(METHODS.keySet());
    }

    public static List<Entry> entries() {
        return METHODS.values().stream().map(Spec::entry).toList();
    }

    public static Entry entry(String name) {
        return spec(name).entry();
    }

    /** Default parameters of a method as strings, in display order. */
    public static Map<String, String> defaults(String name) {
        return entry(name).defaults();
    }

    /** The method with its defaults. */
    public static AttributionMethod create(String name) {
        return create(name, Map.of());
    }

    /** The method with the given parameters; missing ones take their defaults. */
    public static AttributionMethod create(String name, Map<String, String> parameters) {
        Spec spec = spec(name);
        Map<String, String> values = new LinkedHashMap<>(spec.entry().defaults());
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            if (!values.containsKey(e.getKey())) {
                throw new IllegalArgumentException("method '" + name + "' has no parameter '" + e.getKey() + "'"
                        + (values.isEmpty() ? " (it takes none)" : "; parameters: " + String.join(", ", values.keySet())));
            }
            values.put(e.getKey(), e.getValue());
        }
        return spec.factory().apply(new Params(name, values));
    }

    private static Spec spec(String name) {
        Spec s = name == null ? null : METHODS.get(name.trim().toLowerCase(Locale.ROOT));
        if (s == null) {
            throw new IllegalArgumentException("unknown attribution method '" + name + "'; known methods: "
                    + String.join(", ", METHODS.keySet()));
        }
        return s;
    }

    /** String parameters with typed, checked reads. */
    private record Params(String method, Map<String, String> values) {
        private IllegalArgumentException bad(String key, String expected) {
            return new IllegalArgumentException("parameter '" + key + "' of method '" + method + "' must be "
                    + expected + ", got '" + values.get(key) + "'");
        }

        String text(String key) {
            return values.get(key).trim();
        }

        int integer(String key, int min) {
            try {
                int v = Integer.parseInt(text(key));
                if (v < min) {
                    throw bad(key, "an integer ≥ " + min);
                }
                return v;
            } catch (NumberFormatException e) {
                throw bad(key, "an integer ≥ " + min);
            }
        }

        long longValue(String key) {
            try {
                return Long.parseLong(text(key));
            } catch (NumberFormatException e) {
                throw bad(key, "an integer");
            }
        }

        double decimal(String key, double min) {
            try {
                double v = Double.parseDouble(text(key));
                if (!Double.isFinite(v) || v < min) {
                    throw bad(key, min > 0 ? "a number > 0" : min == 0 ? "a number ≥ 0" : "a finite number");
                }
                return v;
            } catch (NumberFormatException e) {
                throw bad(key, "a number");
            }
        }

        long memory() {
            return (long) integer("memory-mb", 1) << 20;
        }

        <T> T choice(String key, Map<String, T> options) {
            T v = options.get(text(key).toLowerCase(Locale.ROOT));
            if (v == null) {
                throw bad(key, "one of " + new TreeSet<>(options.keySet()));
            }
            return v;
        }
    }
}
