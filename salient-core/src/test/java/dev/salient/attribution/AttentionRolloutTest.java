package dev.salient.attribution;

import ai.onnx.proto.OnnxMl;
import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.DifferentiableModel;
import dev.salient.engine.EngineOptions;
import dev.salient.engine.GradientResult;
import dev.salient.engine.GradientSession;
import dev.salient.graph.OnnxModel;
import dev.salient.image.Layout;
import dev.salient.testing.SharedData;
import dev.salient.testing.TestNets;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * Attention rollout and gradient-weighted rollout: on a two-block transformer built in {@link TestNets} against
 * 5×5 matrix products written out here from its attention tensors (whose first block is recomputed from the input
 * and weights), and on the reference ViT (../shared/reference/vit_s6.onnx).
 */
class AttentionRolloutTest {
    private static final int T = TestNets.TOKENS;

    @Test
    void bothMethodsMatchTheFormulasOnATwoBlockTransformer() {
        OnnxModel proto = TestNets.transformer();
        float[] x = TestNets.gaussian(T * TestNets.WIDTH, 3);
        try (DifferentiableModel net = DifferentiableModel.open(proto, TestNets.INPUT, TestNets.OUTPUT,
                new long[]{1, T, TestNets.WIDTH}, EngineOptions.DEFAULT)) {
            List<AttentionRollout.Attention> attentions = AttentionRollout.attentions(net);
            assertThat(attentions).containsExactly(new AttentionRollout.Attention(TestNets.attention(0), 2, T),
                    new AttentionRollout.Attention(TestNets.attention(1), 2, T));
            int target = 2;
            GradientResult r;
            try (GradientSession.Lease s = net.gradientSession(TargetHead.LOGIT, RuleTable.standard(),
                    List.of(TestNets.attention(0), TestNets.attention(1)), 1)) {
                float[] seed = new float[3];
                seed[target] = 1;
                r = s.run(x, seed, 1);
            }
            float[] a0 = r.inner().get(TestNets.attention(0)).value();
            float[] a1 = r.inner().get(TestNets.attention(1)).value();
            assertThat(a0).hasSize(2 * T * T);
            // block 1's attention from the input and W_q, W_k by hand: softmax over j of Σ_d Q_h[i,d]·K_h[j,d]
            float[] byHand = firstBlockAttention(proto, x);
            for (int i = 0; i < a0.length; i++) {
                assertThat((double) a0[i]).isCloseTo(byHand[i], offset(1e-5));
            }

            // rollout: Â = ½·mean_h A + ½·I (rows already sum to 1), R = Â₂·Â₁, map = R[0, 1..4]
            double[][] r1 = new double[T][T];
            double[][] r2 = new double[T][T];
            for (int i = 0; i < T; i++) {
                for (int j = 0; j < T; j++) {
                    r1[i][j] = 0.25 * (a0[i * T + j] + a0[T * T + i * T + j]) + (i == j ? 0.5 : 0);
                    r2[i][j] = 0.25 * (a1[i * T + j] + a1[T * T + i * T + j]) + (i == j ? 0.5 : 0);
                }
            }
            double[] rollout = new double[4];
            for (int j = 1; j < T; j++) {
                for (int k = 0; k < T; k++) {
                    rollout[j - 1] += r2[0][k] * r1[k][j];
                }
            }
            AttributionRequest request = new AttributionRequest(net, x, target, TargetHead.LOGIT, null);
            Attribution plain = AttributionMethods.create("attention-rollout").attribute(request);
            assertThat(plain.shape()).containsExactly(2, 2);
            for (int i = 0; i < 4; i++) {
                assertThat((double) plain.values()[i]).isCloseTo(rollout[i], offset(1e-6));
            }

            // Chefer: Ā = mean_h (∇A ⊙ A)⁺, R₁ = I + Ā₁, R₂ = R₁ + Ā₂·R₁, map = R₂[0, 1..4]
            float[] g0 = r.inner().get(TestNets.attention(0)).gradient();
            float[] g1 = r.inner().get(TestNets.attention(1)).gradient();
            double[][] c1 = new double[T][T];
            double[][] c2 = new double[T][T];
            for (int i = 0; i < T; i++) {
                for (int j = 0; j < T; j++) {
                    for (int h = 0; h < 2; h++) {
                        int k = h * T * T + i * T + j;
                        c1[i][j] += 0.5 * Math.max(0, a0[k] * g0[k]);
                        c2[i][j] += 0.5 * Math.max(0, a1[k] * g1[k]);
                    }
                }
            }
            double[] chefer = new double[4];
            for (int j = 1; j < T; j++) {
                double first = c1[0][j]; // R₁[0, j], j ≠ 0
                double mixed = 0;
                for (int k = 0; k < T; k++) {
                    mixed += c2[0][k] * ((k == j ? 1 : 0) + c1[k][j]);
                }
                chefer[j - 1] = first + mixed;
            }
            assertThat(Arrays.stream(chefer).max().orElseThrow()).isGreaterThan(0);
            Attribution weighted = AttributionMethods.create("attention-gradient-rollout").attribute(request);
            assertThat(weighted.shape()).containsExactly(2, 2);
            for (int i = 0; i < 4; i++) {
                assertThat((double) weighted.values()[i]).isCloseTo(chefer[i], offset(1e-6));
            }
        }
    }

    /** [2, T, T]: softmax_j(Σ_d Q_h[i,d]·K_h[j,d]), Q = x·W_q, K = x·W_k, head h on columns 2h, 2h + 1. */
    private static float[] firstBlockAttention(OnnxModel model, float[] x) {
        List<OnnxMl.NodeProto> projections = model.graph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("MatMul") && n.getInput(0).equals(TestNets.INPUT)).toList();
        double[][] q = project(x, floats(model, projections.get(0).getInput(1)));
        double[][] k = project(x, floats(model, projections.get(1).getInput(1)));
        float[] a = new float[2 * T * T];
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < T; i++) {
                double[] s = new double[T];
                double sum = 0;
                for (int j = 0; j < T; j++) {
                    s[j] = Math.exp(q[i][2 * h] * k[j][2 * h] + q[i][2 * h + 1] * k[j][2 * h + 1]);
                    sum += s[j];
                }
                for (int j = 0; j < T; j++) {
                    a[h * T * T + i * T + j] = (float) (s[j] / sum);
                }
            }
        }
        return a;
    }

    private static double[][] project(float[] x, float[] w) {
        int width = TestNets.WIDTH;
        double[][] out = new double[T][width];
        for (int t = 0; t < T; t++) {
            for (int o = 0; o < width; o++) {
                for (int i = 0; i < width; i++) {
                    out[t][o] += x[t * width + i] * w[i * width + o];
                }
            }
        }
        return out;
    }

    private static float[] floats(OnnxModel model, String initializer) {
        ByteBuffer raw = model.initializers().get(initializer).getRawData().asReadOnlyByteBuffer()
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[raw.remaining() / 4];
        raw.asFloatBuffer().get(v);
        return v;
    }

    @Test
    void vitRolloutsAreFourteenByFourteen() throws Exception {
        try (DifferentiableModel vit = DifferentiableModel.open(OnnxModel.load(SharedData.path("reference/vit_s6.onnx")),
                "input", "logits", new long[]{1, 3, 224, 224}, EngineOptions.DEFAULT)) {
            List<AttentionRollout.Attention> attentions = AttentionRollout.attentions(vit);
            assertThat(attentions).hasSize(6).allSatisfy(a -> {
                assertThat(a.heads()).isEqualTo(3);
                assertThat(a.tokens()).isEqualTo(197);
            });
            byte[] raw = Files.readAllBytes(SharedData.path("reference/vit_s6.input.f32"));
            float[] image = new float[3 * 224 * 224];
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(image);
            AttributionRequest request = new AttributionRequest(vit, image, 316, TargetHead.LOGIT, Layout.NCHW);
            Attribution plain = new AttentionRollout(false).attribute(request);
            assertThat(plain.shape()).containsExactly(14, 14);
            double sum = 0;
            for (float v : plain.values()) {
                assertThat(v).isGreaterThan(0);
                sum += v;
            }
            // a row of a product of row-stochastic matrices: the patches share what the class token keeps
            assertThat(sum).isGreaterThan(0).isLessThan(1);
            Attribution weighted = new AttentionRollout(true).attribute(request);
            assertThat(weighted.shape()).containsExactly(14, 14);
            double largest = 0;
            for (float v : weighted.values()) {
                largest = Math.max(largest, v);
            }
            assertThat(largest).isGreaterThan(0);
            assertThat(weighted.values()).isNotEqualTo(plain.values());
            assertThat(plain.diagnostic("layers")).isEqualTo(6);
        }
    }
}
