package dev.salient.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ScalingTest {

    @Test
    void sensitivityIsTheDemosAbsTimesFactorClamped() {
        float[] t = new Scaling.Sensitivity(20).apply(new float[] {0.01f, -0.03f, 0.1f, 0, Float.NaN});
        assertThat(t).containsExactly(new float[] {0.2f, 0.6f, 1f, 0f, 0f}, within(1e-6f));
        assertThat(new Scaling.Sensitivity(20).signed()).isFalse();
    }

    @Test
    void signedSensitivityKeepsTheSign() {
        float[] t = new Scaling.SignedSensitivity(10).apply(new float[] {0.05f, -0.05f, -0.5f});
        assertThat(t).containsExactly(new float[] {0.5f, -0.5f, -1f}, within(1e-6f));
        assertThat(new Scaling.SignedSensitivity(10).signed()).isTrue();
    }

    @Test
    void percentileDividesByThatPercentileOfMagnitudes() {
        // |v| sorted 0, 1, 2, 3, 4: the 50th percentile is 2.
        float[] t = new Scaling.Percentile(50).apply(new float[] {0, -1, 2, 3, -4});
        assertThat(t).containsExactly(new float[] {0, 0.5f, 1, 1, 1}, within(1e-6f));
    }

    @Test
    void percentileInterpolatesBetweenRanksLikeNumpy() {
        float[] v = new float[100];
        for (int i = 0; i < 100; i++) {
            v[i] = i + 1; // 1..100
        }
        // rank 0.99 · 99 = 98.01 -> 99 + 0.01 · (100 − 99) = 99.01
        assertThat(Scaling.percentileOfMagnitude(v, 99)).isCloseTo(99.01, within(1e-9));
        float[] t = new Scaling.Percentile(99).apply(v);
        assertThat(t[49]).isCloseTo((float) (50 / 99.01), within(1e-6f));
        assertThat(t[98]).isCloseTo((float) (99 / 99.01), within(1e-6f));
        assertThat(t[99]).isEqualTo(1f); // 100 / 99.01 > 1: saturated
    }

    @Test
    void signedPercentileMapsToMinusOneToOne() {
        float[] t = new Scaling.SignedPercentile(50).apply(new float[] {-4, -2, 0, 1, 3});
        assertThat(t).containsExactly(new float[] {-1, -1, 0, 0.5f, 1}, within(1e-6f));
    }

    @Test
    void sparseMapFallsBackToTheMaximumAndZeroMapStaysZero() {
        assertThat(new Scaling.Percentile(50).apply(new float[] {0, 0, 0, 0, 5}))
                .containsExactly(0, 0, 0, 0, 1);
        assertThat(new Scaling.Percentile(99).apply(new float[] {0, 0, 0})).containsExactly(0, 0, 0);
    }

    @Test
    void invalidParametersAreRefused() {
        assertThatThrownBy(() -> new Scaling.Percentile(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Scaling.Percentile(101)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Scaling.Sensitivity(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
