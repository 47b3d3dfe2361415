package dev.salient.attribution;

/**
 * One attribution method (Captum-style): configured once with its typed parameters, then applied to any number
 * of requests. Implementations are stateless apart from their parameters and safe to share between threads
 * (the engine serialises runs of one gradient session). Each holds a lease on every gradient session it runs for
 * as long as it runs it; a caller that may close the model from another thread holds
 * {@link dev.salient.engine.DifferentiableModel#lease()} around the call, so the model outlives the whole method.
 */
public interface AttributionMethod {
    /** Registry name, e.g. {@code "smoothgrad"} (see {@link AttributionMethods}). */
    String name();

    /**
     * @param request  model, one input image in the model's layout, target class and head
     * @param progress told how many samples are done; when it reports {@code cancelled()}, the method stops
     *                 with a {@link java.util.concurrent.CancellationException}
     */
    Attribution attribute(AttributionRequest request, ProgressListener progress);

    default Attribution attribute(AttributionRequest request) {
        return attribute(request, ProgressListener.NONE);
    }
}
