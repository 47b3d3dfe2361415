package dev.salient.attribution;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

import java.util.List;
import java.util.Map;

/**
 * Eigen-CAM (Muhammad &amp; Yeasin 2020): the layer's first principal component, class-agnostic. With Ā the
 * activations as an [hw, C] matrix centred per channel and v₁ its first right singular vector, L = ReLU(Ā·v₁).
 *
 * <p>The SVD's sign is arbitrary; Salient fixes it so that Ā·v₁ correlates positively with the channel sum Σ_k A_k
 * (the component points where the layer is active). pytorch-grad-cam keeps whatever sign numpy returns, so its map
 * can be the negative of this one before the ReLU. The SVD is EJML's.
 */
public final class EigenCam extends GradCam {
    public static final MethodDescription DESCRIPTION = new MethodDescription("eigencam", "Eigen-CAM",
            "ReLU(Ā·v₁): the layer's activations projected on their first principal component (class-agnostic)",
            List.of(LAYER), new MethodTraits(MethodTraits.MapKind.LAYER, false, MethodTraits.Scale.PER_MAP, false,
            // the activations come from the layer-only gradient run: the engine has no forward with inner outputs
            COST), values -> new EigenCam(new Params(values.get(LAYER))));

    public EigenCam(Params params) {
        super(params);
    }

    public EigenCam() {
        this(Params.defaults());
    }

    @Override
    public String name() {
        return DESCRIPTION.name();
    }

    @Override
    public Attribution attribute(AttributionRequest request, ProgressListener progress) {
        ProgressListener.check(progress, name());
        SpatialLayers.Layer layer = layer(request.model());
        float[] map = relu(projection(activation(request, layer), layer.channels(), layer.height() * layer.width()));
        progress.progress(1, 1);
        return layerMap(map, layer, Map.of());
    }

    /** Ā·v₁ before the ReLU, signed to correlate positively with Σ_k A_k; zeros for a constant layer. */
    static float[] projection(float[] activation, int channels, int hw) {
        DMatrixRMaj centred = new DMatrixRMaj(hw, channels);
        for (int k = 0; k < channels; k++) {
            double mean = 0;
            for (int i = 0; i < hw; i++) {
                mean += activation[k * hw + i];
            }
            mean /= hw;
            for (int i = 0; i < hw; i++) {
                centred.unsafe_set(i, k, activation[k * hw + i] - mean);
            }
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(hw, channels, false, true, true);
        if (!svd.decompose(centred.copy())) {
            throw new IllegalStateException("the SVD of the layer's activations did not converge");
        }
        double[] singular = svd.getSingularValues();
        int first = 0;
        for (int i = 1; i < svd.numberOfSingularValues(); i++) {
            if (singular[i] > singular[first]) {
                first = i;
            }
        }
        DMatrixRMaj v = svd.getV(null, false);
        double[] projection = new double[hw];
        double alignment = 0;
        for (int i = 0; i < hw; i++) {
            double p = 0;
            double total = 0;
            for (int k = 0; k < channels; k++) {
                p += centred.unsafe_get(i, k) * v.unsafe_get(k, first);
                total += activation[k * hw + i];
            }
            projection[i] = p;
            alignment += p * total;
        }
        float sign = alignment < 0 ? -1 : 1;
        float[] map = new float[hw];
        for (int i = 0; i < hw; i++) {
            map[i] = sign * (float) projection[i];
        }
        return map;
    }
}
