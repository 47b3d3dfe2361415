package dev.salient.render;

import dev.salient.attribution.AttributionMethods;
import dev.salient.attribution.InvalidParameterException;
import dev.salient.attribution.MethodTraits;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one rule for drawing a method's map, and the settings' refusals. */
class DisplaySettingsTest {
    private static final MethodTraits GRADIENT = AttributionMethods.describe("gradient").traits();
    private static final MethodTraits SMOOTHGRAD = AttributionMethods.describe("smoothgrad").traits();
    private static final MethodTraits GRADCAM = AttributionMethods.describe("gradcam").traits();

    /** 100 values 1..100: P99 of |v| is 99.01 (NumPy's linear interpolation). */
    private static final AttributionMap RAMP = ramp();

    private static AttributionMap ramp() {
        float[] v = new float[100];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 2 == 0 ? 1 : -1) * (i + 1);
        }
        return new AttributionMap(10, 10, v);
    }

    private static DisplaySettings settings(Map<String, String> values) {
        return DisplaySettings.parse(values::get, "");
    }

    @Test
    void theDemosGradientIsTheDemo() {
        RenderOptions o = DisplaySettings.DEFAULT.options(GRADIENT, RAMP);
        assertThat(o).isEqualTo(RenderOptions.DEMO);
    }

    @Test
    void otherPixelMapsAreGreyMasksScaledByTheir99thPercentileWithTheSensitivityAsGain() {
        RenderOptions o = DisplaySettings.DEFAULT.options(SMOOTHGRAD, RAMP);
        assertThat(o.colorMap()).isEqualTo(ColorMap.GREY);
        assertThat(o.overlay()).isEqualTo(Overlay.MASK);
        assertThat(o.scaling()).isEqualTo(new Scaling.Sensitivity(1 / 99.01));
        RenderOptions twice = settings(Map.of("sensitivity", "40")).options(SMOOTHGRAD, RAMP);
        assertThat(((Scaling.Sensitivity) twice.scaling()).factor()).isCloseTo(2 / 99.01, org.assertj.core.data.Offset.offset(1e-12));
        RenderOptions fixed = settings(Map.of("sensitivity", "8", "scaling", "fixed")).options(SMOOTHGRAD, RAMP);
        assertThat(fixed.scaling()).isEqualTo(new Scaling.Sensitivity(8));
        RenderOptions p50 = settings(Map.of("percentile", "50", "scaling", "per-map")).options(GRADIENT, RAMP);
        assertThat(p50.scaling()).isEqualTo(new Scaling.Sensitivity(1 / 50.5));
    }

    @Test
    void layerMapsAreTurboHeatMapsOverThePhoto() {
        RenderOptions o = DisplaySettings.DEFAULT.options(GRADCAM, RAMP);
        assertThat(o.colorMap()).isEqualTo(ColorMap.TURBO);
        assertThat(o.overlay()).isEqualTo(Overlay.ALPHA);
        assertThat(o.opacity()).isEqualTo(0.5);
        RenderOptions grey = settings(Map.of("colormap", "grey", "overlay", "mask")).options(GRADCAM, RAMP);
        assertThat(grey.colorMap()).isEqualTo(ColorMap.GREY);
        assertThat(grey.overlay()).isEqualTo(Overlay.MASK);
    }

    @Test
    void aDivergingMapKeepsTheSignUnlessThePhotoIsMultiplied() {
        assertThat(settings(Map.of("colormap", "diverging")).options(SMOOTHGRAD, RAMP).scaling().signed()).isTrue();
        RenderOptions blended = settings(Map.of("colormap", "diverging", "blend", "true")).options(SMOOTHGRAD, RAMP);
        assertThat(blended.overlay()).isEqualTo(Overlay.MULTIPLY);
        assertThat(blended.scaling().signed()).isFalse();
    }

    @Test
    void anAllZeroMapIsDarkNotAnError() {
        AttributionMap zero = new AttributionMap(2, 2, new float[4]);
        assertThat(DisplaySettings.DEFAULT.options(SMOOTHGRAD, zero).scaling().apply(zero.values())).containsOnly(0f);
    }

    @Test
    void refusalsNameTheSettingAsTheCallerWroteIt() {
        assertThatThrownBy(() -> DisplaySettings.parse(Map.of("sensitivity", "NaN")::get, "--"))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessage("--sensitivity must be a positive number up to 40, got 'NaN'");
        assertThatThrownBy(() -> settings(Map.of("sensitivity", "0"))).hasMessageStartingWith("sensitivity must be");
        assertThatThrownBy(() -> settings(Map.of("colormap", "rainbow")))
                .hasMessage("colormap must be one of grey, viridis, inferno, turbo, diverging, got 'rainbow'");
        assertThatThrownBy(() -> settings(Map.of("opacity", "2"))).hasMessageContaining("from 0 to 1");
        assertThatThrownBy(() -> settings(Map.of("percentile", "101"))).hasMessageContaining("up to 100");
        // built directly, the record holds the same limits
        assertThatThrownBy(() -> new DisplaySettings(50, null, 99, null, null, false, 0.5,
                ChannelAggregation.SIGNED_MEAN))
                .hasMessage("sensitivity must be a positive number up to 40, got '50.0'");
    }
}
