/**
 * How faithful is an attribution map to what the model actually uses? Metrics over explained photos.
 *
 * <p>An {@link dev.salient.evaluation.EvaluationCase} is one photo explained by one method: the
 * {@link dev.salient.attribution.AttributionRequest} (model, input, class), the method, its
 * {@link dev.salient.attribution.Attribution}, and the per-pixel relevance that every metric ranks pixels by (the
 * attribution's channels combined by a {@link dev.salient.render.ChannelAggregation}; a layer map such as
 * Grad-CAM's upsampled to the input). A {@link dev.salient.evaluation.Metric} scores a list of cases:
 * {@link dev.salient.evaluation.Deletion} and {@link dev.salient.evaluation.Insertion} (RISE),
 * {@link dev.salient.evaluation.Road} (MoRF/LeRF with noisy linear imputation),
 * {@link dev.salient.evaluation.AverageDrop} (Grad-CAM++), {@link dev.salient.evaluation.PointingGame},
 * {@link dev.salient.evaluation.ModelRandomisation} (the sanity check of Adebayo et al.) and
 * {@link dev.salient.evaluation.Complexity} (Gini index). Perturbed photos go through the model's one reused
 * forward session in batches, with progress and cancellation through a
 * {@link dev.salient.attribution.ProgressListener}. {@link dev.salient.evaluation.Baselines} are maps that know
 * nothing of the model (random, centre point), to compare against.
 */
package dev.salient.evaluation;
