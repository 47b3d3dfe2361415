package dev.salient.attribution;

import dev.salient.autodiff.ModifiedRules;
import dev.salient.engine.GradientResult;

import java.util.List;
import java.util.Map;

/**
 * Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation times the Grad-CAM map upsampled bilinearly to
 * the input's height and width, A_cij = GB_cij · up(L)_ij (the same map for every channel); needs a [C, H, W] input.
 */
public final class GuidedGradCam extends GradientMethod {
    private final GradCam gradCam;

    public GuidedGradCam(GradCam.Params params) {
        this.gradCam = new GradCam(params);
    }

    public GuidedGradCam() {
        this(GradCam.Params.defaults());
    }

    @Override
    public String name() {
        return "guided-gradcam";
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        int[] chw = Tensors.chw(request.inputShape());
        Attribution cam = gradCam.attribute(request, ProgressListener.NONE);
        ProgressListener.check(progress, name());
        progress.progress(1, 2);
        GradientResult guided = single(request, ModifiedRules.guided(), List.of());
        float[] up = Tensors.resizeBilinear(cam.values(), (int) cam.shape()[0], (int) cam.shape()[1], chw[1], chw[2]);
        float[] g = guided.inputGradient();
        float[] a = new float[g.length];
        int plane = chw[1] * chw[2];
        for (int c = 0; c < chw[0]; c++) {
            for (int i = 0; i < plane; i++) {
                a[c * plane + i] = g[c * plane + i] * up[i];
            }
        }
        progress.progress(2, 2);
        return new Attribution(a, request.inputShape(), true, Map.of("targetScore", cam.diagnostic("targetScore")));
    }
}
