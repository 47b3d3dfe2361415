package dev.salient.evaluation;

import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionMethod;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ImageGeometry;
import dev.salient.attribution.ProgressListener;
import dev.salient.render.AttributionMap;
import dev.salient.render.ChannelAggregation;

import java.util.Objects;

/**
 * One photo explained by one method: what every metric needs.
 *
 * @param photo       the photo's name, for reports
 * @param methodName  the method's name, for reports
 * @param method      the attribution method, recomputed on randomised models by {@link ModelRandomisation}; null for
 *                    a map made elsewhere (every other metric needs only the map)
 * @param request     model, input, class and head the map explains
 * @param attribution the method's result on {@code request}
 * @param aggregation how an input-shaped attribution's channels become one relevance per pixel
 * @param relevance   one value per input pixel ({@link Relevance#of}), what the metrics rank pixels by
 * @param truth       marked objects for the pointing game, or null
 */
public record EvaluationCase(String photo, String methodName, AttributionMethod method, AttributionRequest request,
                             Attribution attribution, ChannelAggregation aggregation, AttributionMap relevance,
                             GroundTruth truth) {
    public EvaluationCase {
        Objects.requireNonNull(methodName, "methodName");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(relevance, "relevance");
        ImageGeometry g = request.geometry();
        if (relevance.width() != g.width() || relevance.height() != g.height()) {
            throw new IllegalArgumentException("relevance is " + relevance.width() + "x" + relevance.height()
                    + ", the input " + g.width() + "x" + g.height());
        }
    }

    /** Runs {@code method} on {@code request} and derives the relevance. */
    public static EvaluationCase explain(String photo, AttributionMethod method, AttributionRequest request,
                                         ChannelAggregation aggregation, GroundTruth truth,
                                         ProgressListener progress) {
        return of(photo, method, request, method.attribute(request, progress), aggregation, truth);
    }

    /** A case for an attribution already computed. */
    public static EvaluationCase of(String photo, AttributionMethod method, AttributionRequest request,
                                    Attribution attribution, ChannelAggregation aggregation, GroundTruth truth) {
        return of(photo, method.name(), method, request, attribution, aggregation, truth);
    }

    /** A case for an attribution already computed by a method known only by name (null {@code method}). */
    public static EvaluationCase of(String photo, String methodName, AttributionMethod method,
                                    AttributionRequest request, Attribution attribution,
                                    ChannelAggregation aggregation, GroundTruth truth) {
        return new EvaluationCase(photo, methodName, method, request, attribution, aggregation,
                Relevance.of(attribution, request.geometry(), aggregation), truth);
    }

    /** The same photo and method with another map (e.g. a baseline's): relevance derived as for this one. */
    public EvaluationCase withMap(AttributionMethod other, Attribution otherAttribution) {
        return of(photo, other, request, otherAttribution, aggregation, truth);
    }
}
