package dev.salient.attribution;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AttributionMethodsTest {
    @Test
    void listsEveryMethodWithDefaults() {
        // the demo's gradient first: the default of the command line and the web app
        assertThat(AttributionMethods.names()).startsWith("gradient").doesNotHaveDuplicates()
                .contains("smoothgrad", "integrated-gradients", "gradcam++", "occlusion");
        for (String name : AttributionMethods.names()) {
            AttributionMethod m = AttributionMethods.create(name);
            assertThat(m.name()).isEqualTo(name);
            // every default round-trips through the typed factory
            MethodDescription d = AttributionMethods.describe(name);
            assertThat(d.create(d.defaults()).name()).isEqualTo(name);
        }
        ParameterValues smooth = AttributionMethods.describe("smoothgrad").defaults();
        assertThat(smooth.get(SmoothGrad.SAMPLES)).isEqualTo(50);
        assertThat(smooth.values()).containsKey("noise");
    }

    @Test
    void buildsFromStringParameters() {
        SmoothGrad sg = (SmoothGrad) AttributionMethods.create("vargrad", Map.of("samples", "7", "noise", "0.3", "seed", "9"));
        assertThat(sg.params()).isEqualTo(new SmoothGrad.Params(7, 0.3, 9, SmoothGrad.Variant.VARGRAD,
                Batching.DEFAULT_BATCH, Batching.DEFAULT_MEMORY_BUDGET));
        IntegratedGradients ig = (IntegratedGradients) AttributionMethods.create("integrated-gradients",
                Map.of("steps", "20", "rule", "Trapezoid", "baseline", "blur", "blur-sigma", "3"));
        assertThat(ig.params().steps()).isEqualTo(20);
        assertThat(ig.params().rule()).isEqualTo(IntegratedGradients.Rule.TRAPEZOID);
        assertThat(ig.params().baseline()).isEqualTo(new IntegratedGradients.Baseline.Blurred(3));
        Occlusion oc = (Occlusion) AttributionMethods.create("occlusion", Map.of("window", "20", "stride", "10"));
        assertThat(oc.params().window()).isEqualTo(20);
        GradCam cam = (GradCam) AttributionMethods.create("gradcam", Map.of("layer", "some_tensor"));
        assertThat(cam.params().layer()).isEqualTo("some_tensor");
    }

    @Test
    void clearErrors() {
        assertThatThrownBy(() -> AttributionMethods.create("anchors"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown attribution method 'anchors'").hasMessageContaining("smoothgrad");
        assertThatThrownBy(() -> AttributionMethods.create("smoothgrad", Map.of("samples", "many")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'samples'")
                .hasMessageContaining("whole number").hasMessageContaining("many");
        assertThatThrownBy(() -> AttributionMethods.create("smoothgrad", Map.of("samples", "0")))
                .hasMessageContaining("from 1 to 1000");
        assertThatThrownBy(() -> AttributionMethods.create("smoothgrad", Map.of("noise", "-1")))
                .hasMessageContaining("'noise'");
        assertThatThrownBy(() -> AttributionMethods.create("gradient", Map.of("steps", "3")))
                .hasMessageContaining("no parameter 'steps'").hasMessageContaining("takes none");
        assertThatThrownBy(() -> AttributionMethods.create("integrated-gradients", Map.of("rule", "simpson")))
                .hasMessageContaining("gauss-legendre");
        assertThatThrownBy(() -> AttributionMethods.create("integrated-gradients", Map.of("rule", "trapezoid", "steps", "1")))
                .hasMessageContaining("steps");
    }
}
