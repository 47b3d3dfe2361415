package dev.salient.web;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.salient.attribution.Attribution;
import dev.salient.attribution.AttributionRequest;
import dev.salient.attribution.ParameterDescription;
import dev.salient.attribution.ProgressListener;
import dev.salient.autodiff.TargetHead;
import dev.salient.evaluation.Baselines;
import dev.salient.evaluation.Deletion;
import dev.salient.evaluation.EvaluationCase;
import dev.salient.evaluation.EvaluationReport;
import dev.salient.evaluation.Insertion;
import dev.salient.evaluation.Metric;
import dev.salient.evaluation.ReportJson;
import dev.salient.render.ChannelAggregation;
import io.javalin.http.Context;

import java.util.List;
import java.util.Map;

/**
 * "How faithful is this map?": the deletion and insertion curves (RISE) of the current photo, method and class,
 * with their AUC, against a random map, run as a job on the worker pool with progress and cancel. Routes (in
 * {@link SalientServer#routes}): {@code POST /api/faithfulness} starts it (parameters as {@code POST /api/jobs}:
 * image or example, model, method, class, method parameters, plus steps), {@code GET /api/faithfulness/{id}}
 * polls it and carries the result once done, {@code DELETE /api/faithfulness/{id}} cancels it.
 */
final class FaithfulnessHandlers {
    /** Points on each curve after the first; the default is the metrics' own. */
    static final ParameterDescription<Integer> STEPS = ParameterDescription.integer("steps", "Steps",
            Deletion.DEFAULTS.steps(), 2, 100, "", "points on each curve after the first");
    /** A result is four curves of at most 101 points: a few kilobytes. */
    private static final long RESULT_BYTES = 16 << 10;

    private final ExplainService service;
    private final ByteLruCache<String, ObjectNode> results = new ByteLruCache<>(8L << 20, r -> RESULT_BYTES);

    FaithfulnessHandlers(ExplainService service) {
        this.service = service;
    }

    void start(Context ctx) {
        ImageStore.StoredImage image = image(ctx);
        ExplainService.ExplainRequest r = service.request(image, p -> Handlers.param(ctx, p));
        int steps = STEPS.parse(Handlers.param(ctx, STEPS.name()));
        String key = "faithfulness|" + r.key() + "|" + steps;
        ExplainService.Job job = service.startJob(key, r, () -> results.get(key) != null, progress -> {
            ObjectNode result = measure(r, steps, progress);
            results.put(key, result);
            return result;
        }, "the faithfulness measurement failed: ");
        if (job.cached) {
            job.result = results.get(key);
        }
        ctx.status(job.state.equals("done") ? 200 : 202).json(json(job));
    }

    void status(Context ctx) {
        ctx.json(json(service.job(ctx.pathParam("id"))));
    }

    void cancel(Context ctx) {
        ExplainService.Job job = service.job(ctx.pathParam("id"));
        job.cancel();
        ctx.json(json(job));
    }

    private static Map<String, Object> json(ExplainService.Job job) {
        Map<String, Object> m = job.json();
        if (job.result != null) {
            m.put("result", job.result);
        }
        return m;
    }

    /** The photo: {@code image} (an id from POST /api/images) or {@code example} (a gallery name). */
    private ImageStore.StoredImage image(Context ctx) {
        String id = Handlers.param(ctx, "image");
        if (id != null && !id.isBlank()) {
            return service.images.get(id);
        }
        String example = Handlers.param(ctx, "example");
        if (example != null && !example.isBlank()) {
            return service.images.put(service.examples.bytes(example));
        }
        throw ApiException.badRequest("no image: give 'image' (an id from POST /api/images) or 'example' (a gallery "
                + "name)");
    }

    /**
     * The map's attribution (from the cache, else computed here), then deletion and insertion of it and of a random
     * map, all on the calling worker.
     */
    private ObjectNode measure(ExplainService.ExplainRequest r, int steps, ProgressListener progress) {
        Attribution attribution = service.attributionOnWorker(r, progress);
        float[] input = r.classifier().toInput(r.image().photo());
        AttributionRequest request = AttributionRequest.of(r.classifier(), input, r.classIndex(),
                TargetHead.LOG_PROBABILITY);
        String photo = r.image().id();
        EvaluationCase map = EvaluationCase.of(photo, r.method().name(), null, request, attribution,
                ChannelAggregation.SIGNED_MEAN, null);
        EvaluationCase random = EvaluationCase.of(photo, Baselines.random(), request,
                Baselines.random().attribute(request), ChannelAggregation.SIGNED_MEAN, null);
        List<Metric> metrics = List.of(new Deletion(Deletion.DEFAULTS.withSteps(steps)),
                new Insertion(Insertion.DEFAULTS.withSteps(steps)));
        EvaluationReport report = EvaluationReport.run(List.of(map, random), metrics, progress);
        ObjectNode out = JsonNodeFactory.instance.objectNode().put("method", r.method().name())
                .put("class", r.classIndex()).put("steps", steps);
        ObjectNode ofMap = out.putObject("map");
        ObjectNode ofRandom = out.putObject("random");
        for (Metric m : metrics) {
            ofMap.set(m.name(), ReportJson.result(report.results().get(m.name()).get(0)));
            ofRandom.set(m.name(), ReportJson.result(report.results().get(m.name()).get(1)));
        }
        var described = out.putArray("metrics");
        metrics.forEach(m -> described.add(ReportJson.metric(m)));
        return out;
    }
}
