package dev.salient.audit;

import dev.salient.image.Resampler;
import dev.salient.render.AttributionMap;

/**
 * The audit's view of one attribution map: relevance |a| averaged down to a {@value #GRID}×{@value #GRID} grid, and
 * where on that grid the mass lies. Every statistic is computed from the stored grid alone, so anyone reading the
 * table can recompute it.
 *
 * <p>Regions of the G×G grid (G = 14): the <em>border</em> is the outer ring {@value #BORDER} cells wide (49 % of the
 * area), the <em>centre</em> the middle {@value #CENTRE}×{@value #CENTRE} cells (33 %); the ring between them belongs
 * to neither. A uniform map therefore has centre share 0.327 and border share 0.490.
 */
public final class MapStatistics {
    /** Side of the stored grid. */
    public static final int GRID = 14;
    /** Width of the border ring, in cells. */
    static final int BORDER = 2;
    /** Side of the central square, in cells. */
    static final int CENTRE = 8;

    private MapStatistics() {}

    /**
     * Mass statistics of a grid, null when the map has no mass (e.g. a Grad-CAM map that ReLU zeroed).
     *
     * @param peakX       column of the largest cell's centre as a fraction of the width, in (0, 1)
     * @param peakY       row of the largest cell's centre as a fraction of the height
     * @param centreShare Σ centre cells / Σ all cells
     * @param borderShare Σ border cells / Σ all cells
     * @param entropy     −Σ p log p / log G² with p = cell / Σ cells: 1 for a uniform map, 0 for a single cell
     */
    public record Summary(double peakX, double peakY, double centreShare, double borderShare, double entropy) {}

    /** |values| of a map averaged (area-weighted, antialiased) or interpolated to the G×G grid, row-major. */
    public static float[] grid(AttributionMap map) {
        float[] magnitude = map.values();
        for (int i = 0; i < magnitude.length; i++) {
            magnitude[i] = Math.abs(magnitude[i]);
        }
        return Resampler.resize(magnitude, map.width(), map.height(), 1, GRID, GRID);
    }

    /** The statistics of a G×G grid of non-negative values; null when it sums to zero. */
    public static Summary summarise(float[] grid) {
        if (grid.length != GRID * GRID) {
            throw new IllegalArgumentException("a grid has " + GRID * GRID + " cells, got " + grid.length);
        }
        double total = 0;
        int peak = 0;
        for (int i = 0; i < grid.length; i++) {
            total += grid[i];
            if (grid[i] > grid[peak]) {
                peak = i;
            }
        }
        if (!(total > 0)) {
            return null;
        }
        double centre = 0;
        double border = 0;
        double entropy = 0;
        int centreFrom = (GRID - CENTRE) / 2;
        for (int y = 0; y < GRID; y++) {
            for (int x = 0; x < GRID; x++) {
                double p = grid[y * GRID + x] / total;
                if (inside(y, centreFrom, CENTRE) && inside(x, centreFrom, CENTRE)) {
                    centre += p;
                }
                if (!inside(y, BORDER, GRID - 2 * BORDER) || !inside(x, BORDER, GRID - 2 * BORDER)) {
                    border += p;
                }
                if (p > 0) {
                    entropy -= p * Math.log(p);
                }
            }
        }
        return new Summary((peak % GRID + 0.5) / GRID, (peak / GRID + 0.5) / GRID, centre, border,
                entropy / Math.log(GRID * GRID));
    }

    private static boolean inside(int cell, int from, int length) {
        return cell >= from && cell < from + length;
    }
}
