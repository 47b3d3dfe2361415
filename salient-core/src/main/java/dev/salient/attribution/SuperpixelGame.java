package dev.salient.attribution;

import dev.salient.engine.ChunkKind;

import dev.salient.engine.DifferentiableModel;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;

/**
 * The cooperative game KernelSHAP and LIME explain: a coalition z ∈ {0, 1}^M of the photo's M SLIC superpixels is
 * the photo with the superpixels where z_j = 0 set to the request's black, and its value is the class's score
 * F_c of that image. Coalitions run through the model's forward session in chunks ({@link Batching#plan}: measured sizes by default),
 * with progress and cancellation between chunks; the fits are weighted least squares solved by EJML.
 */
final class SuperpixelGame {
    private final AttributionRequest request;
    private final Superpixels segments;
    private final int[][] members;
    private final int batchSize;
    private final long memoryBudget;

    /**
     * @param batchSize    images per forward call (or {@link Batching#AUTO}), within the memory budget
     * @param memoryBudget bytes one call may use
     */
    SuperpixelGame(AttributionRequest request, Superpixels segments, int batchSize, long memoryBudget) {
        this.request = request;
        this.segments = segments;
        this.members = segments.members();
        this.batchSize = batchSize;
        this.memoryBudget = memoryBudget;
    }

    Superpixels segments() {
        return segments;
    }

    /** M, the number of players. */
    int players() {
        return segments.count();
    }

    /**
     * F_c of each coalition, in order.
     *
     * @param method the method's name, for the cancellation message
     */
    double[] values(boolean[][] coalitions, ProgressListener progress, String method) {
        DifferentiableModel model = request.model();
        ImageGeometry geo = request.geometry();
        float[] x = request.input();
        int n = x.length;
        int classes = model.classes();
        int total = coalitions.length;
        Batching.Plan plan = Batching.plan(model, ChunkKind.FORWARD, batchSize, memoryBudget, total);
        double[] values = new double[total];
        Rounds.forward(plan, total, (k, in, offset) -> {
            System.arraycopy(x, 0, in, offset, n);
            boolean[] z = coalitions[k];
            for (int s = 0; s < z.length; s++) {
                if (!z[s]) {
                    for (int p : members[s]) {
                        for (int c = 0; c < geo.channels(); c++) {
                            in[offset + geo.index(c, p / geo.width(), p % geo.width())] = request.black(c);
                        }
                    }
                }
            }
        }, (k, out, offset) -> values[k] = Tensors.head(out, offset, classes, request.targetClass(), request.head()),
                progress, method);
        return values;
    }

    /** Row k of a least-squares design, written into {@code dst} (so that n × p designs are never stored). */
    interface Design {
        void row(int k, double[] dst);
    }

    /**
     * argmin_β Σ_k w_k (y_k − a_k·β)² + ridge·|β|², by the normal equations and a pseudo-inverse (so a rank-deficient
     * design, e.g. a superpixel never switched off, gives the minimum-norm solution instead of failing).
     *
     * @param p      the number of unknowns
     * @param design the rows a_k, k = 0 … y.length − 1
     */
    static double[] weightedLeastSquares(int p, Design design, double[] y, double[] weights, double ridge) {
        DMatrixRMaj normal = new DMatrixRMaj(p, p);
        DMatrixRMaj right = new DMatrixRMaj(p, 1);
        double[] a = new double[p];
        for (int k = 0; k < y.length; k++) {
            design.row(k, a);
            for (int i = 0; i < p; i++) {
                if (a[i] == 0) {
                    continue;
                }
                double wa = weights[k] * a[i];
                right.data[i] += wa * y[k];
                for (int j = 0; j < p; j++) {
                    normal.data[i * p + j] += wa * a[j];
                }
            }
        }
        for (int i = 0; i < p; i++) {
            normal.data[i * p + i] += ridge;
        }
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.pseudoInverse(true);
        if (!solver.setA(normal)) {
            throw new ArithmeticException("the superpixel fit's normal equations could not be decomposed");
        }
        DMatrixRMaj beta = new DMatrixRMaj(p, 1);
        solver.solve(right, beta);
        return beta.data;
    }
}
