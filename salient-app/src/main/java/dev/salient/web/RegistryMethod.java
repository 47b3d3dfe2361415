package dev.salient.web;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ProgressListener;
import dev.salient.attribution.SpatialLayers;
import dev.salient.autodiff.TargetHead;
import dev.salient.model.ImageClassifier;

import java.util.*;
import java.util.function.Function;

/**
 * One method of the core registry ({@link AttributionMethods}) behind the web app's seam. Its parameters are the
 * registry's main ones (the performance knobs {@code batch} and {@code memory-mb} keep their defaults on a shared
 * server) plus {@code head}; values are checked by the registry itself, so a bad one gets the registry's message.
 */
final class RegistryMethod implements ExplainMethod {
    /** Registry parameters a web request may not set (memory and batching of a shared server). */
    private static final Set<String> SERVER_ONLY = Set.of("batch", "memory-mb");
    private static final Map<String, String> LABELS = Map.ofEntries(
            Map.entry("gradient", "Gradient (demo)"), Map.entry("gradient-x-input", "Gradient × input"),
            Map.entry("smoothgrad", "SmoothGrad"), Map.entry("smoothgrad-squared", "SmoothGrad²"),
            Map.entry("vargrad", "VarGrad"), Map.entry("integrated-gradients", "Integrated Gradients"),
            Map.entry("guided-backprop", "Guided Backprop"), Map.entry("deconvnet", "Deconvnet"),
            Map.entry("gradcam", "Grad-CAM"), Map.entry("gradcam++", "Grad-CAM++"),
            Map.entry("guided-gradcam", "Guided Grad-CAM"), Map.entry("occlusion", "Occlusion"));
    /** The web parameter choosing the differentiated quantity; the demo's log-probability by default. */
    static final ParamSpec HEAD = ParamSpec.choice("head", "Target", List.of("log-probability", "probability", "logit"),
            "log-probability", "what is explained: the class's log-probability (the demo), probability or logit");

    private final AttributionMethods.Entry entry;
    private final List<ParamSpec> params;

    RegistryMethod(AttributionMethods.Entry entry) {
        this.entry = entry;
        List<ParamSpec> ps = new ArrayList<>();
        entry.defaults().forEach((key, dflt) -> {
            if (!SERVER_ONLY.contains(key)) {
                ps.add(spec(key, dflt));
            }
        });
        ps.add(HEAD);
        this.params = List.copyOf(ps);
    }

    /** Every method of the core registry, in its order. */
    static List<RegistryMethod> all() {
        return AttributionMethods.entries().stream().map(RegistryMethod::new).toList();
    }

    @Override
    public String name() {
        return entry.name();
    }

    @Override
    public String label() {
        return LABELS.getOrDefault(entry.name(), entry.name());
    }

    @Override
    public String description() {
        String d = entry.description();
        return Character.toUpperCase(d.charAt(0)) + d.substring(1) + ".";
    }

    @Override
    public List<ParamSpec> params() {
        return params;
    }

    @Override
    public boolean coarse() {
        return entry.defaults().containsKey("layer") && !entry.name().startsWith("guided");
    }

    /** The demo's gradient keeps its fixed sensitivity; every other method is scaled per map by default. */
    @Override
    public String defaultScaling() {
        return entry.name().equals("gradient") ? "fixed" : "auto";
    }

    @Override
    public SortedMap<String, Object> parse(ImageClassifier classifier, Function<String, String> raw) {
        Map<String, String> values = new LinkedHashMap<>();
        for (ParamSpec p : params) {
            String v = raw.apply(p.name());
            if (p != HEAD && v != null && !v.isBlank()) {
                values.put(p.name(), v.strip());
            }
        }
        try {
            AttributionMethods.create(entry.name(), values); // the registry's checks and messages
            SortedMap<String, Object> out = new TreeMap<>();
            for (ParamSpec p : params) {
                Object v = p.parse(p == HEAD ? raw.apply(p.name()) : values.get(p.name()));
                if (p.type().equals("layer")) {
                    v = ModelLayers.resolve(classifier.engine(), (String) v);
                }
                out.put(p.name(), v);
            }
            return out;
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    @Override
    public Attribution attribute(ImageClassifier classifier, float[] input, int classIndex,
                                 Map<String, Object> params, ProgressListener progress) {
        Map<String, String> values = new LinkedHashMap<>();
        params.forEach((k, v) -> {
            if (!k.equals(HEAD.name())) {
                values.put(k, String.valueOf(v));
            }
        });
        TargetHead head = TargetHead.valueOf(String.valueOf(params.getOrDefault(HEAD.name(), HEAD.defaultValue()))
                .toUpperCase(Locale.ROOT).replace('-', '_'));
        return AttributionMethods.create(entry.name(), values)
                .attribute(AttributionRequest.of(classifier, input, classIndex, head), progress);
    }

    /** The page's view of one registry parameter: type and bounds from its name and default. */
    private ParamSpec spec(String key, String dflt) {
        return switch (key) {
            case "samples" -> ParamSpec.integer(key, "Samples", 1, 1000, Integer.parseInt(dflt),
                    "noisy copies of the input whose gradients are combined");
            case "noise" -> ParamSpec.number(key, "Noise (fraction of the input range)", 0, 1,
                    Double.parseDouble(dflt), "standard deviation of the Gaussian noise");
            case "seed", "noise-seed" -> ParamSpec.integer(key, key.equals("seed") ? "Seed" : "Noise baseline seed",
                    0, Integer.MAX_VALUE, Integer.parseInt(dflt), "random seed, for reproducible maps");
            case "steps" -> ParamSpec.integer(key, "Steps", 1, 1000, Integer.parseInt(dflt),
                    "points on the path from the baseline to the input");
            case "rule" -> ParamSpec.choice(key, "Integration rule", List.of("gauss-legendre", "midpoint",
                    "trapezoid"), dflt, "quadrature rule along the path");
            case "blur-sigma" -> ParamSpec.number(key, "Blur σ (pixels)", 0, 100, Double.parseDouble(dflt),
                    "blur of the 'blur' baseline");
            case "layer" -> ParamSpec.layer(key, "Layer", "spatial layer whose activations are weighted "
                    + "(default: the last one)");
            case "window" -> ParamSpec.integer(key, "Window (pixels)", 1, 1024, Integer.parseInt(dflt),
                    "side of the square that is occluded");
            case "stride" -> ParamSpec.integer(key, "Stride (pixels)", 1, 1024, Integer.parseInt(dflt),
                    "step between occluded windows");
            // occlusion fills its window with "black" (the model's own black) or a number; IG starts from a kind
            case "baseline" -> entry.name().equals("occlusion")
                    ? new ParamSpec(key, "Baseline", "text", null, null, dflt, List.of(),
                    "what fills the occluded window: black, or a value in model input units")
                    : ParamSpec.choice(key, "Baseline", List.of("black", "blur", "noise"), dflt,
                    "where the path starts");
            default -> isNumber(dflt)
                    ? ParamSpec.number(key, key, -1e9, 1e9, Double.parseDouble(dflt), "")
                    : new ParamSpec(key, key, "text", null, null, dflt, List.of(), "");
        };
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
