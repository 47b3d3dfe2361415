package dev.salient.attribution;

import dev.salient.autodiff.ModifiedRules;
import dev.salient.engine.GradientResult;

import java.util.List;
import java.util.Map;

/**
 * Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation times the Grad-CAM map upsampled bilinearly to
 * the input's height and width, A_cij = GB_cij · up(L)_ij (the same map for every channel); needs an image input
 * with a known layout ({@link AttributionRequest#layout()}, NCHW or NHWC). The Grad-CAM layer is an inner tensor,
 * [1, C, h, w] whatever the input layout (ONNX convolutions are NCHW).
 */
public final class GuidedGradCam extends GradientMethod {
    public static final MethodDescription DESCRIPTION = new MethodDescription("guided-gradcam", "Guided Grad-CAM",
            "guided backprop ⊙ the Grad-CAM map upsampled to the input", List.of(GradCam.LAYER),
            new MethodTraits(MethodTraits.MapKind.PIXEL, true, MethodTraits.Scale.PER_MAP, false,
                    new MethodTraits.Cost(2, 2, 0, 0, null)),
            values -> new GuidedGradCam(new GradCam.Params(values.get(GradCam.LAYER))));

    private final GradCam gradCam;

    public GuidedGradCam(GradCam.Params params) {
        this.gradCam = new GradCam(params);
    }

    public GuidedGradCam() {
        this(GradCam.Params.defaults());
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ImageGeometry geo = request.geometry();
        Attribution cam = gradCam.attribute(request, ProgressListener.NONE);
        ProgressListener.check(progress, name());
        progress.progress(1, 2);
        GradientResult guided = single(request, ModifiedRules.guided(), List.of());
        int h = geo.height();
        int w = geo.width();
        float[] up = Tensors.resizeBilinear(cam.values(), (int) cam.shape()[0], (int) cam.shape()[1], h, w);
        float[] g = guided.inputGradient();
        float[] a = new float[g.length];
        for (int c = 0; c < geo.channels(); c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int i = geo.index(c, y, x);
                    a[i] = g[i] * up[y * w + x];
                }
            }
        }
        progress.progress(2, 2);
        return new Attribution(a, request.inputShape(), true, Map.of("targetScore", cam.diagnostic("targetScore")));
    }
}
