package dev.salient.attribution;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;

import static dev.salient.attribution.GradientMethodsTest.relativeError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * HiResCAM, XGrad-CAM, LayerCAM and Eigen-CAM against pytorch-grad-cam's own numbers (../shared/reference/peers) on
 * the layer Salient's engine differentiates: the raw maps before the ReLU and the channel weights to 1e-3 relative
 * L2, the methods' ReLU'd maps, and the library's 224 output under its convention (ReLU, min-max, bilinear resize,
 * min-max again), which Salient's renderer does not use (it scales by a percentile when drawing).
 */
class CamFamilyPeersTest {
    static final double BAR = 1e-3;

    @ParameterizedTest
    @CsvSource({"cnn_small,bird", "cnn_small,dog", "resnet_small,bird", "resnet_small,dog"})
    void gradientCamsMatchPytorchGradCam(String model, String photo) throws IOException {
        try (PeerReference peer = new PeerReference(model, photo)) {
            float[] a = peer.inner.value();
            float[] g = peer.inner.gradient();
            int c = peer.channels();
            int hw = peer.hw();
            check(peer, "HiResCAM", new HiResCam(), new HiResCam().rawMap(a, g, c, hw));
            check(peer, "LayerCAM", new LayerCam(), new LayerCam().rawMap(a, g, c, hw));
            XGradCam x = new XGradCam();
            double weights = relativeError(x.weights(a, g, c, hw), peer.file("gradcam.XGradCAM.weights.f32"));
            System.out.printf("%s XGradCAM weights: relative L2 %.1e%n", peer, weights);
            assertThat(weights).isLessThan(BAR);
            check(peer, "XGradCAM", x, x.rawMap(a, g, c, hw));
        }
    }

    @ParameterizedTest
    @CsvSource({"cnn_small,bird", "cnn_small,dog", "resnet_small,bird", "resnet_small,dog"})
    void eigenCamIsPytorchGradCamsUpToTheSvdSign(String model, String photo) throws IOException {
        try (PeerReference peer = new PeerReference(model, photo)) {
            float[] a = peer.inner.value();
            float[] ours = EigenCam.projection(a, peer.channels(), peer.hw());
            float[] theirs = peer.file("gradcam.EigenCAM.layer.f32");
            float[] negated = negate(theirs);
            double same = relativeError(ours, theirs);
            double flipped = relativeError(ours, negated);
            System.out.printf("%s EigenCAM raw map: relative L2 %.1e as numpy signs it, %.1e negated%n", peer, same,
                    flipped);
            assertThat(Math.min(same, flipped)).isLessThan(BAR);
            // Salient's sign: the component correlates positively with the channel sum, numpy's may not
            double alignment = 0;
            for (int i = 0; i < peer.hw(); i++) {
                double total = 0;
                for (int k = 0; k < peer.channels(); k++) {
                    total += a[k * peer.hw() + i];
                }
                alignment += ours[i] * total;
            }
            assertThat(alignment).isPositive();
            float[] map = new EigenCam().attribute(peer.request).values();
            assertThat(relativeError(map, GradCam.relu(ours.clone()))).isLessThan(1e-6);
            // under numpy's sign (where it differs from Salient's, the peer's map shows the other side of the component)
            float[] numpySigned = same < flipped ? ours : negate(ours);
            assertThat(relativeError(peerDisplay(numpySigned, peer), peer.file("gradcam.EigenCAM.224.f32")))
                    .isLessThan(BAR);
        }
    }

    /** The raw map against the peer's, the method's map against ReLU(peer's), and the peer's 224 output. */
    private static void check(PeerReference peer, String method, GradCam salient, float[] raw) {
        float[] theirs = peer.file("gradcam." + method + ".layer.f32");
        double rawError = relativeError(raw, theirs);
        double mapError = relativeError(salient.attribute(peer.request).values(), GradCam.relu(theirs.clone()));
        double displayError = relativeError(peerDisplay(raw, peer), peer.file("gradcam." + method + ".224.f32"));
        System.out.printf("%s %s: raw map %.1e, ReLU'd map %.1e, pytorch-grad-cam's 224 output %.1e (relative L2)%n",
                peer, method, rawError, mapError, displayError);
        assertThat(rawError).isLessThan(BAR);
        assertThat(mapError).isLessThan(BAR);
        assertThat(displayError).isLessThan(BAR);
    }

    /**
     * pytorch-grad-cam's returned map from a raw layer map: ReLU, x −= min, x /= 10⁻⁷ + max, cv2 bilinear resize
     * (half-pixel centres, as {@link Tensors#resizeBilinear}), then ReLU and the same min-max again.
     */
    static float[] peerDisplay(float[] raw, PeerReference peer) {
        float[] scaled = minMax(GradCam.relu(raw.clone()));
        float[] up = Tensors.resizeBilinear(scaled, peer.layer.height(), peer.layer.width(), 224, 224);
        return minMax(GradCam.relu(up));
    }

    private static float[] negate(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = -x[i];
        }
        return out;
    }

    private static float[] minMax(float[] x) {
        float[] range = Tensors.range(x);
        float max = range[1] - range[0];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) ((x[i] - range[0]) / (1e-7 + max));
        }
        return x;
    }
}
