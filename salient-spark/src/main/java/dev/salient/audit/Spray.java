package dev.salient.audit;

import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.MatrixUtils;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.ml.clustering.CentroidCluster;
import org.apache.commons.math3.ml.clustering.Clusterable;
import org.apache.commons.math3.ml.clustering.KMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.clustering.MultiKMeansPlusPlusClusterer;
import org.apache.commons.math3.ml.distance.EuclideanDistance;
import org.apache.commons.math3.random.JDKRandomGenerator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Spectral relevance analysis (SpRAy; Lapuschkin et al. 2019, "Unmasking Clever Hans predictors"): spectral
 * clustering of attribution maps, so that images the model explains the same way fall together and a cluster whose
 * mean map lights up a corner or the border stands out as a strategy of its own.
 *
 * <p>Maps are normalised to unit mass; the affinity W is the symmetric {@value #NEIGHBOURS}-nearest-neighbour graph
 * (Euclidean) with self-tuning Gaussian weights; the normalised Laplacian L = I − D<sup>−½</sup> W D<sup>−½</sup>
 * is eigendecomposed (Commons Math), the
 * number of clusters k ∈ [2, {@value #MAX_CLUSTERS}] is where the eigengap λ<sub>k</sub> − λ<sub>k−1</sub> is largest,
 * and k-means++ (Commons Math, best of {@value #TRIALS} seeded runs) clusters the row-normalised first k eigenvectors
 * (Ng, Jordan and Weiss). Above {@value #MAX_SPECTRAL} maps the spectral step runs on an evenly spaced sample, and
 * every other map joins the cluster with the nearest mean.
 */
public final class Spray {
    static final int NEIGHBOURS = 10;
    /** Which neighbour's distance sets a map's local scale. */
    static final int SCALE_NEIGHBOUR = 7;
    static final int MAX_CLUSTERS = 8;
    static final int TRIALS = 10;
    /** Largest eigenproblem: a dense n×n decomposition, ~2 s at n = 500 on this project's machine. */
    static final int MAX_SPECTRAL = 500;
    private static final long SEED = 20190311L; // the paper's publication date: any fixed seed makes reports repeatable

    private Spray() {}

    /**
     * @param assignment  cluster of each map, in input order
     * @param means       each cluster's mean normalised map
     * @param eigenvalues the Laplacian's smallest eigenvalues, ascending (what the eigengap was read from)
     */
    public record Clustering(int[] assignment, float[][] means, double[] eigenvalues) {
        public int clusters() {
            return means.length;
        }

        /** Indices of cluster {@code c}'s maps, closest to its mean first. */
        public List<Integer> members(int c, List<float[]> maps) {
            float[] mean = means[c];
            return IntStream.range(0, assignment.length).filter(i -> assignment[i] == c).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> distance(normalised(maps.get(i)), mean))
                            .thenComparing(i -> i))
                    .toList();
        }
    }

    /** Clusters maps of equal length with positive mass (at least 3 of them). */
    public static Clustering cluster(List<float[]> maps) {
        int n = maps.size();
        if (n < 3) {
            throw new IllegalArgumentException("clustering needs at least 3 maps, got " + n);
        }
        List<float[]> unit = maps.stream().map(Spray::normalised).toList();
        int size = Math.min(n, MAX_SPECTRAL);
        int[] sample = IntStream.range(0, size).map(i -> (int) ((long) i * n / size)).toArray();
        int m = sample.length;
        double[][] w = affinity(sample, unit);
        double[] degree = Arrays.stream(w).mapToDouble(row -> Arrays.stream(row).sum()).toArray();
        double[][] laplacian = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                laplacian[i][j] = (i == j ? 1 : 0) - w[i][j] / Math.sqrt(degree[i] * degree[j]);
            }
        }
        EigenDecomposition eigen = new EigenDecomposition(MatrixUtils.createRealMatrix(laplacian));
        double[] values = eigen.getRealEigenvalues();
        Integer[] ascending = IntStream.range(0, m).boxed().sorted(Comparator.comparingDouble(i -> values[i]))
                .toArray(Integer[]::new);
        int most = Math.min(MAX_CLUSTERS, m - 1);
        double[] smallest = new double[most + 1];
        for (int i = 0; i <= most; i++) {
            smallest[i] = values[ascending[i]];
        }
        int k = 2;
        for (int c = 3; c <= most; c++) {
            if (smallest[c] - smallest[c - 1] > smallest[k] - smallest[k - 1]) {
                k = c;
            }
        }
        RealMatrix vectors = eigen.getV();
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            double[] row = new double[k];
            double norm = 0;
            for (int c = 0; c < k; c++) {
                row[c] = vectors.getEntry(i, ascending[c]);
                norm += row[c] * row[c];
            }
            norm = Math.sqrt(norm);
            for (int c = 0; c < k; c++) {
                row[c] = norm > 0 ? row[c] / norm : 0;
            }
            points.add(new Point(i, row));
        }
        JDKRandomGenerator random = new JDKRandomGenerator();
        random.setSeed(SEED);
        List<CentroidCluster<Point>> clusters = new MultiKMeansPlusPlusClusterer<>(new KMeansPlusPlusClusterer<Point>(
                k, 300, new EuclideanDistance(), random), TRIALS).cluster(points);
        int[] sampleCluster = new int[m];
        for (int c = 0; c < clusters.size(); c++) {
            for (Point p : clusters.get(c).getPoints()) {
                sampleCluster[p.index()] = c;
            }
        }
        float[][] means = means(sample, sampleCluster, clusters.size(), unit);
        int[] assignment = new int[n];
        Arrays.fill(assignment, -1);
        for (int i = 0; i < m; i++) {
            assignment[sample[i]] = sampleCluster[i];
        }
        for (int i = 0; i < n; i++) {
            if (assignment[i] < 0) {
                float[] u = unit.get(i);
                assignment[i] = IntStream.range(0, means.length).boxed()
                        .min(Comparator.comparingDouble(c -> distance(u, means[c]))).orElseThrow();
            }
        }
        float[][] finalMeans = means(IntStream.range(0, n).toArray(), assignment, means.length, unit);
        return ordered(new Clustering(assignment, finalMeans, smallest));
    }

    /** Clusters numbered by size, largest first (k-means' numbering is arbitrary). */
    private static Clustering ordered(Clustering c) {
        int k = c.clusters();
        long[] sizes = new long[k];
        for (int a : c.assignment()) {
            sizes[a]++;
        }
        Integer[] bySize = IntStream.range(0, k).boxed().sorted(Comparator.comparingLong((Integer i) -> -sizes[i])
                .thenComparing(i -> i)).toArray(Integer[]::new);
        int[] rank = new int[k];
        for (int r = 0; r < k; r++) {
            rank[bySize[r]] = r;
        }
        int[] assignment = Arrays.stream(c.assignment()).map(a -> rank[a]).toArray();
        float[][] means = new float[k][];
        for (int old = 0; old < k; old++) {
            means[rank[old]] = c.means()[old];
        }
        return new Clustering(assignment, means, c.eigenvalues());
    }

    /**
     * The symmetric k-nearest-neighbour graph over the sampled maps with self-tuning weights (Zelnik-Manor and Perona
     * 2004): W_ij = exp(−d_ij² / (σ_i σ_j)) if either map is among the other's {@value #NEIGHBOURS} nearest, σ_i the
     * distance to map i's {@value #SCALE_NEIGHBOUR}th nearest. Edges between strategies get weak weights, so the
     * eigengap marks them; with 0/1 weights a few cross edges hid a watermark cluster in our tests.
     */
    private static double[][] affinity(int[] sample, List<float[]> unit) {
        int m = sample.length;
        int k = Math.min(NEIGHBOURS, m - 1);
        double[][] d = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j = i + 1; j < m; j++) {
                d[i][j] = d[j][i] = distance(unit.get(sample[i]), unit.get(sample[j]));
            }
        }
        int[][] nearest = new int[m][];
        double[] sigma = new double[m];
        for (int i = 0; i < m; i++) {
            int row = i;
            nearest[i] = IntStream.range(0, m).filter(j -> j != row).boxed()
                    .sorted(Comparator.comparingDouble((Integer j) -> d[row][j]).thenComparing(j -> j))
                    .limit(k).mapToInt(Integer::intValue).toArray();
            sigma[i] = Math.max(d[i][nearest[i][Math.min(SCALE_NEIGHBOUR, k) - 1]], 1e-12);
        }
        double[][] w = new double[m][m];
        for (int i = 0; i < m; i++) {
            for (int j : nearest[i]) {
                w[i][j] = w[j][i] = Math.exp(-d[i][j] * d[i][j] / (sigma[i] * sigma[j]));
            }
        }
        return w;
    }

    private static float[][] means(int[] indices, int[] cluster, int k, List<float[]> unit) {
        int length = unit.get(0).length;
        float[][] sums = new float[k][length];
        int[] counts = new int[k];
        for (int i = 0; i < indices.length; i++) {
            float[] u = unit.get(indices[i]);
            counts[cluster[i]]++;
            for (int j = 0; j < length; j++) {
                sums[cluster[i]][j] += u[j];
            }
        }
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < length; j++) {
                sums[c][j] /= Math.max(1, counts[c]);
            }
        }
        return sums;
    }

    /** The map scaled to unit mass. */
    static float[] normalised(float[] map) {
        double total = 0;
        for (float v : map) {
            total += v;
        }
        float[] out = new float[map.length];
        for (int i = 0; i < map.length; i++) {
            out[i] = (float) (map[i] / total);
        }
        return out;
    }

    private static double distance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    private record Point(int index, double[] coordinates) implements Clusterable {
        @Override
        public double[] getPoint() {
            return coordinates;
        }
    }
}
