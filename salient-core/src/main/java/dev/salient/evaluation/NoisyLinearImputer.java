package dev.salient.evaluation;

import dev.salient.attribution.ImageGeometry;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.DMatrixSparseCSC;
import org.ejml.data.DMatrixSparseTriplet;
import org.ejml.interfaces.linsol.LinearSolverSparse;
import org.ejml.ops.DConvertMatrixStruct;
import org.ejml.sparse.FillReducing;
import org.ejml.sparse.csc.factory.LinearSolverFactory_DSCC;

import java.util.SplittableRandom;

/**
 * ROAD's noisy linear imputation (Rong et al. 2022): every removed pixel takes the weighted mean of its 8
 * neighbours, 1/6 for the 4 direct and 1/12 for the 4 diagonal ones (neighbours outside the image drop out),
 * solved jointly for all removed pixels, then Gaussian noise is added to them. For removed pixel i with neighbours
 * N(i) (weights w), per channel: (Σ_{j∈N(i)} w_ij) v_i − Σ_{j∈N(i) removed} w_ij v_j = Σ_{j∈N(i) kept} w_ij x_j.
 *
 * <p>The matrix is symmetric and, as long as one pixel is kept, positive definite (each connected region of removed
 * pixels borders a kept one), so EJML's sparse Cholesky solves it. EJML offers no fill-reducing ordering, and in
 * row order the factor fills the whole band of width W; the unknowns are therefore numbered by nested dissection
 * (halves first, the separating row or column last). Measured on a 224×224 image (2 shared cores): 90 % removed,
 * 45 158 unknowns, 1.4 s in row order, 0.37 s dissected; 50 % removed 0.85 s → 0.16 s.
 *
 * @param noise standard deviation of the noise added to imputed values, in input units
 */
record NoisyLinearImputer(double noise) {
    private static final int[][] NEIGHBOURS = {{-1, -1}, {-1, 0}, {-1, 1}, {0, -1}, {0, 1}, {1, -1}, {1, 0}, {1, 1}};
    private static final int LEAF = 64;

    NoisyLinearImputer {
        if (!(noise >= 0) || !Double.isFinite(noise)) {
            throw new IllegalArgumentException("imputation noise must be ≥ 0: " + noise);
        }
    }

    private static double weight(int[] offset) {
        return offset[0] != 0 && offset[1] != 0 ? 1.0 / 12 : 1.0 / 6;
    }

    /**
     * @param removed one flag per pixel (y · W + x); at least one pixel must be kept
     * @return a copy of {@code x} with the removed pixels imputed
     */
    float[] impute(float[] x, ImageGeometry g, boolean[] removed, SplittableRandom random) {
        int h = g.height();
        int w = g.width();
        int[] unknown = new int[h * w];
        java.util.Arrays.fill(unknown, -1);
        int n = number(removed, unknown, w, 0, h, 0, w, 0);
        float[] out = x.clone();
        if (n == 0) {
            return out;
        }
        if (n == h * w) {
            throw new IllegalArgumentException("every pixel is removed: nothing to impute from");
        }
        int channels = g.channels();
        DMatrixSparseTriplet a = new DMatrixSparseTriplet(n, n, n * 9);
        DMatrixRMaj b = new DMatrixRMaj(n, channels);
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int i = unknown[y * w + xx];
                if (i < 0) {
                    continue;
                }
                double diagonal = 0;
                for (int[] o : NEIGHBOURS) {
                    int ny = y + o[0];
                    int nx = xx + o[1];
                    if (ny < 0 || ny >= h || nx < 0 || nx >= w) {
                        continue;
                    }
                    double wt = weight(o);
                    diagonal += wt;
                    int j = unknown[ny * w + nx];
                    if (j >= 0) {
                        a.addItem(i, j, -wt);
                    } else {
                        for (int c = 0; c < channels; c++) {
                            b.add(i, c, wt * x[g.index(c, ny, nx)]);
                        }
                    }
                }
                a.addItem(i, i, diagonal);
            }
        }
        DMatrixSparseCSC matrix = DConvertMatrixStruct.convert(a, (DMatrixSparseCSC) null);
        LinearSolverSparse<DMatrixSparseCSC, DMatrixRMaj> solver = LinearSolverFactory_DSCC.cholesky(FillReducing.NONE);
        if (!solver.setA(matrix)) {
            throw new IllegalStateException("the imputation system is singular");
        }
        DMatrixRMaj v = new DMatrixRMaj(n, channels);
        solver.solve(b, v);
        for (int y = 0; y < h; y++) {
            for (int xx = 0; xx < w; xx++) {
                int i = unknown[y * w + xx];
                if (i >= 0) {
                    for (int c = 0; c < channels; c++) {
                        out[g.index(c, y, xx)] = (float) (v.get(i, c) + noise * random.nextGaussian());
                    }
                }
            }
        }
        return out;
    }

    /**
     * Numbers the removed pixels of rows [y0, y1) × columns [x0, x1) from {@code next} by nested dissection: the two
     * halves either side of the middle row (or column, whichever splits the longer side), then that line. A line
     * one pixel wide separates the halves for the 8-neighbour stencil. Returns the next free number.
     */
    private static int number(boolean[] removed, int[] id, int w, int y0, int y1, int x0, int x1, int next) {
        if (y0 >= y1 || x0 >= x1) {
            return next;
        }
        if ((y1 - y0) * (x1 - x0) <= LEAF || (y1 - y0 < 3 && x1 - x0 < 3)) {
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    if (removed[y * w + x]) {
                        id[y * w + x] = next++;
                    }
                }
            }
            return next;
        }
        if (y1 - y0 >= x1 - x0) {
            int m = (y0 + y1) / 2;
            next = number(removed, id, w, y0, m, x0, x1, next);
            next = number(removed, id, w, m + 1, y1, x0, x1, next);
            return number(removed, id, w, m, m + 1, x0, x1, next);
        }
        int m = (x0 + x1) / 2;
        next = number(removed, id, w, y0, y1, x0, m, next);
        next = number(removed, id, w, y0, y1, m + 1, x1, next);
        return number(removed, id, w, y0, y1, m, m + 1, next);
    }
}
