package dev.salient.attribution;

import org.apache.commons.math3.analysis.integration.gauss.GaussIntegrator;
import org.apache.commons.math3.analysis.integration.gauss.GaussIntegratorFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Integrated Gradients' Gauss–Legendre nodes and weights on [0, 1] against Commons Math's rule
 * (its own root search), up to the 64 nodes the peers used. Commons Math stays a test dependency of core:
 * the rule is 20 lines, and Commons Math 3 (2.2 MB, last released 2016) would be core's only run-time use of it.
 */
class IntegratedGradientsQuadratureTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 16, 32, 33, 64})
    void gaussLegendreNodesAndWeightsMatchAnIndependentRule(int m) {
        double[][] ours = IntegratedGradients.quadrature(IntegratedGradients.Rule.GAUSS_LEGENDRE, m);
        GaussIntegrator reference = new GaussIntegratorFactory().legendre(m, 0, 1);
        assertThat(reference.getNumberOfPoints()).isEqualTo(m);
        double[][] sorted = byNode(ours[0], ours[1]);
        double[] referenceNodes = new double[m];
        double[] referenceWeights = new double[m];
        for (int i = 0; i < m; i++) {
            referenceNodes[i] = reference.getPoint(i);
            referenceWeights[i] = reference.getWeight(i);
        }
        double[][] expected = byNode(referenceNodes, referenceWeights);
        for (int i = 0; i < m; i++) {
            assertThat(sorted[0][i]).as("node %d of %d", i, m).isCloseTo(expected[0][i], within(1e-13));
            assertThat(sorted[1][i]).as("weight %d of %d", i, m).isCloseTo(expected[1][i], within(1e-13));
        }
    }

    private static double[][] byNode(double[] nodes, double[] weights) {
        Integer[] order = new Integer[nodes.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, java.util.Comparator.comparingDouble(i -> nodes[i]));
        double[][] out = new double[2][nodes.length];
        for (int i = 0; i < order.length; i++) {
            out[0][i] = nodes[order[i]];
            out[1][i] = weights[order[i]];
        }
        return out;
    }
}
