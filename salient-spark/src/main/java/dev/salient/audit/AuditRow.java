package dev.salient.audit;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One image of an audit: one row of the table, the same in local and Spark mode (see {@link AuditTable} for the
 * columns). A row with an {@code error} has only what was known before the failure (path, size, hash, ...).
 *
 * @param path              the file's path relative to the input root, '/'-separated
 * @param sha256            SHA-256 of the file's bytes, hex; null when the file was not read (too large)
 * @param sizeBytes         the file's size
 * @param width             decoded width in pixels, null if not decoded
 * @param height            decoded height in pixels
 * @param topClasses        the best classes, best first
 * @param topLabels         their labels
 * @param topProbabilities  their softmax probabilities
 * @param targetClass       the explained class
 * @param targetLabel       its label
 * @param targetProbability its probability
 * @param method            attribution method
 * @param methodParams      its parameters, defaults included
 * @param head              what was differentiated (logit, probability, log-probability)
 * @param map               |attribution| on a {@value MapStatistics#GRID}² grid, row-major
 * @param peakX             see {@link MapStatistics.Summary}; null when the map has no mass
 * @param peakY             see {@link MapStatistics.Summary}
 * @param centreShare       see {@link MapStatistics.Summary}
 * @param borderShare       see {@link MapStatistics.Summary}
 * @param entropy           see {@link MapStatistics.Summary}
 * @param deletionAuc       area under the deletion curve (see {@link DeletionCurve}); null unless asked for
 * @param error             why this image has no explanation; null when it has one
 */
public record AuditRow(String path, String sha256, long sizeBytes, Integer width, Integer height,
                       List<Integer> topClasses, List<String> topLabels, List<Double> topProbabilities,
                       Integer targetClass, String targetLabel, Double targetProbability,
                       String method, Map<String, String> methodParams, String head, float[] map,
                       Double peakX, Double peakY, Double centreShare, Double borderShare, Double entropy,
                       Double deletionAuc, String error) implements Serializable {

    /** A row for an image that could not be explained. */
    static AuditRow failed(String path, String sha256, long sizeBytes, Integer width, Integer height,
                           AuditSettings settings, String error) {
        return new AuditRow(path, sha256, sizeBytes, width, height, null, null, null, null, null, null,
                settings.method(), settings.methodParams(), AuditSettings.headName(settings.head()), null, null, null,
                null, null, null, null, error);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuditRow r && Arrays.equals(map, r.map) && withoutMap().equals(r.withoutMap());
    }

    @Override
    public int hashCode() {
        return 31 * withoutMap().hashCode() + Arrays.hashCode(map);
    }

    @Override
    public String toString() {
        return withoutMap() + (map == null ? "" : " map=" + Arrays.toString(map));
    }

    /** Every field but the map, as a list (for equality and printing). */
    private List<Object> withoutMap() {
        return Arrays.asList(path, sha256, sizeBytes, width, height, topClasses, topLabels, topProbabilities,
                targetClass, targetLabel, targetProbability, method, methodParams, head, peakX, peakY, centreShare,
                borderShare, entropy, deletionAuc, error);
    }
}
