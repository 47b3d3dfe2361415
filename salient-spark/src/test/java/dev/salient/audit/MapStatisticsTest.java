package dev.salient.audit;

import dev.salient.render.AttributionMap;
import org.junit.jupiter.api.Test;

import static dev.salient.audit.MapStatistics.GRID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MapStatisticsTest {
    @Test
    void massInOneCornerCellIsAllBorderNoCentreNoEntropy() {
        float[] grid = new float[GRID * GRID];
        grid[GRID * GRID - 1] = 3; // bottom-right cell
        MapStatistics.Summary s = MapStatistics.summarise(grid);
        assertThat(s.borderShare()).isEqualTo(1.0);
        assertThat(s.centreShare()).isZero();
        assertThat(s.entropy()).isZero();
        assertThat(s.peakX()).isCloseTo((GRID - 0.5) / GRID, within(1e-12));
        assertThat(s.peakY()).isCloseTo((GRID - 0.5) / GRID, within(1e-12));
    }

    @Test
    void aUniformMapHasTheRegionsAreasAsSharesAndFullEntropy() {
        float[] grid = new float[GRID * GRID];
        java.util.Arrays.fill(grid, 0.25f);
        MapStatistics.Summary s = MapStatistics.summarise(grid);
        assertThat(s.centreShare()).isCloseTo(64.0 / 196, within(1e-9));
        assertThat(s.borderShare()).isCloseTo(1 - 100.0 / 196, within(1e-9));
        assertThat(s.entropy()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void massInTheMiddleIsCentreAndAZeroMapHasNoStatistics() {
        float[] grid = new float[GRID * GRID];
        grid[7 * GRID + 7] = 1;
        grid[6 * GRID + 6] = 1;
        MapStatistics.Summary s = MapStatistics.summarise(grid);
        assertThat(s.centreShare()).isEqualTo(1.0);
        assertThat(s.borderShare()).isZero();
        assertThat(s.entropy()).isCloseTo(Math.log(2) / Math.log(GRID * GRID), within(1e-9));
        assertThat(MapStatistics.summarise(new float[GRID * GRID])).isNull();
    }

    @Test
    void theGridIsTheMagnitudeResampledSoConstantsStayAndSignsDoNotCancel() {
        float[] constant = new float[224 * 224];
        java.util.Arrays.fill(constant, -3f);
        for (float v : MapStatistics.grid(new AttributionMap(224, 224, constant))) {
            assertThat(v).isCloseTo(3f, within(1e-5f));
        }
        java.util.Random random = new java.util.Random(3);
        float[] signed = new float[56 * 56];
        float[] magnitude = new float[signed.length];
        for (int i = 0; i < signed.length; i++) {
            signed[i] = (float) random.nextGaussian();
            magnitude[i] = Math.abs(signed[i]);
        }
        assertThat(MapStatistics.grid(new AttributionMap(56, 56, signed)))
                .containsExactly(MapStatistics.grid(new AttributionMap(56, 56, magnitude)));
    }
}
