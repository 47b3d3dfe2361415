package dev.salient.audit;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.salient.audit.MapStatistics.GRID;
import static org.assertj.core.api.Assertions.assertThat;

class SprayTest {
    /** A blob of relevance at (cx, cy) in cells with a little noise everywhere: one image's map. */
    static float[] blob(double cx, double cy, Random random) {
        float[] map = new float[GRID * GRID];
        for (int y = 0; y < GRID; y++) {
            for (int x = 0; x < GRID; x++) {
                double d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                map[y * GRID + x] = (float) (Math.exp(-d2 / 4) + 0.05 * random.nextDouble());
            }
        }
        return map;
    }

    @Test
    void separatesAnObjectStrategyFromAWatermarkStrategy() {
        Random random = new Random(7);
        List<float[]> maps = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            // 30 "look at the object" maps near the centre, 10 "look at the watermark" maps in the bottom-right corner
            double jx = 0.6 * random.nextGaussian();
            double jy = 0.6 * random.nextGaussian();
            maps.add(i % 4 == 3 ? blob(12 + jx, 12 + jy, random) : blob(6.5 + jx, 6.5 + jy, random));
        }
        Spray.Clustering c = Spray.cluster(maps);
        // the watermark maps form one cluster of their own; the object maps may split further (jittered positions)
        int watermark = c.assignment()[3];
        for (int i = 0; i < maps.size(); i++) {
            assertThat(c.assignment()[i] == watermark).as("map " + i).isEqualTo(i % 4 == 3);
        }
        assertThat(c.clusters()).isBetween(2, Spray.MAX_CLUSTERS);
        assertThat(MapStatistics.summarise(c.means()[watermark]).borderShare()).isGreaterThan(0.5);
        assertThat(c.members(watermark, maps)).hasSize(10);
        assertThat(c.eigenvalues()[1]).as("two groups barely connected").isLessThan(1e-3);
    }

    @Test
    void findsThreeSeparateStrategiesByTheEigengap() {
        Random random = new Random(11);
        List<float[]> maps = new ArrayList<>();
        int[][] centres = {{2, 2}, {11, 2}, {7, 11}};
        for (int i = 0; i < 45; i++) {
            int[] c = centres[i % 3];
            maps.add(blob(c[0] + 0.6 * random.nextGaussian(), c[1] + 0.6 * random.nextGaussian(), random));
        }
        Spray.Clustering c = Spray.cluster(maps);
        assertThat(c.clusters()).isEqualTo(3);
        for (int i = 3; i < maps.size(); i++) {
            assertThat(c.assignment()[i]).isEqualTo(c.assignment()[i % 3]);
        }
        assertThat(c.assignment()[0]).isNotEqualTo(c.assignment()[1]).isNotEqualTo(c.assignment()[2]);
        assertThat(c.eigenvalues()[0]).isCloseTo(0, org.assertj.core.api.Assertions.within(1e-9));
    }
}
