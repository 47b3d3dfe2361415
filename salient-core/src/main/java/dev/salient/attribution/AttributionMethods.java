package dev.salient.attribution;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The registry: every attribution method's {@link MethodDescription}, in menu order (the demo's gradient first). Each
 * method class declares its own description; adding a method is writing its class and one line here.
 */
public final class AttributionMethods {
    private static final List<MethodDescription> ALL = List.of(
            VanillaGradient.DESCRIPTION,
            GradientTimesInput.DESCRIPTION,
            SmoothGrad.DESCRIPTION,
            SmoothGrad.SQUARED_DESCRIPTION,
            SmoothGrad.VARGRAD_DESCRIPTION,
            IntegratedGradients.DESCRIPTION,
            GuidedBackprop.DESCRIPTION,
            Deconvnet.DESCRIPTION,
            GradCam.DESCRIPTION,
            GradCamPlusPlus.DESCRIPTION,
            HiResCam.DESCRIPTION,
            XGradCam.DESCRIPTION,
            LayerCam.DESCRIPTION,
            ScoreCam.DESCRIPTION,
            AblationCam.DESCRIPTION,
            EigenCam.DESCRIPTION,
            GuidedGradCam.DESCRIPTION,
            AttentionRollout.DESCRIPTION,
            AttentionRollout.GRADIENT_DESCRIPTION,
            Occlusion.DESCRIPTION,
            Rise.DESCRIPTION,
            Lrp.DESCRIPTION,
            DeepLift.DESCRIPTION,
            GradientShap.DESCRIPTION,
            KernelShap.DESCRIPTION,
            Lime.DESCRIPTION,
            Xrai.DESCRIPTION);
    private static final Map<String, MethodDescription> BY_NAME = ALL.stream()
            .collect(Collectors.toUnmodifiableMap(MethodDescription::name, Function.identity()));

    private AttributionMethods() {}

    /** Every method, in menu order. */
    public static List<MethodDescription> all() {
        return ALL;
    }

    /** Method names in menu order. */
    public static List<String> names() {
        return ALL.stream().map(MethodDescription::name).toList();
    }

    /** The names of the methods {@link ExplainerExporter} can write as an ONNX model. */
    public static List<String> exportable() {
        return ALL.stream().filter(d -> d.traits().exportable()).map(MethodDescription::name).toList();
    }

    /**
     * The method called {@code name} (case and surrounding blanks ignored).
     *
     * @throws InvalidParameterException naming the known methods
     */
    public static MethodDescription describe(String name) {
        MethodDescription d = name == null ? null : BY_NAME.get(name.strip().toLowerCase(Locale.ROOT));
        if (d == null) {
            throw new InvalidParameterException("method", "unknown attribution method '" + name
                    + "'; known methods: " + String.join(", ", names()));
        }
        return d;
    }

    /** The method with its defaults. */
    public static AttributionMethod create(String name) {
        return describe(name).create(Map.of());
    }

    /** The method with the given parameters as text; missing ones take their defaults. */
    public static AttributionMethod create(String name, Map<String, String> parameters) {
        return describe(name).create(parameters);
    }
}
