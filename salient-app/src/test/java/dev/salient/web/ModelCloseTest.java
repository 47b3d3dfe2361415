package dev.salient.web;

import dev.salient.catalog.ResolvedModel;
import dev.salient.engine.EngineOptions;
import dev.salient.model.ImageClassifier;
import dev.salient.model.ModelConfig;
import dev.salient.testing.SharedData;
import dev.salient.testing.Waits;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Closing the registry while a request runs on a model frees the model only after the request: the job finishes
 * (Integrated Gradients runs its chunks, then a forward pass for the completeness check), and only then is the model
 * closed. Before, the request failed half-way (or, before leases, the process died in ONNX Runtime).
 */
class ModelCloseTest {
    @Test
    void aModelClosedDuringARequestIsFreedAfterIt() throws Exception {
        ImageClassifier own = ImageClassifier.load(new ResolvedModel("mobilenet_v2", SharedData.mobileNetV2(),
                SharedData.labels1001(), null, "path", false), ModelConfig.EMPTY, EngineOptions.DEFAULT);
        ModelRegistry registry = new ModelRegistry(List.of(own));
        try (ExplainService service = new ExplainService(WebConfig.defaults(), registry, MethodRegistry.standard())) {
            ImageStore.StoredImage image = service.images.put(Files.readAllBytes(SharedData.image("bird.bmp")));
            Map<String, String> query = Map.of("method", "integrated-gradients", "class", "1");
            ExplainService.Job job = service.startJob(service.request(image, query::get));
            Waits.until(Duration.ofSeconds(30), "2 steps done", () -> job.state,
                    state -> job.done >= 2 || state.equals("failed"));
            assertThat(job.state).isEqualTo("running");
            registry.close();
            Waits.until(Duration.ofSeconds(60), "the job ended", () -> job.state,
                    state -> !state.equals("running") && !state.equals("queued"));
            assertThat(job.error).isNull();
            assertThat(job.state).isEqualTo("done");
            assertThat(service.cached(job.request).diagnostic("completenessGap")).isFinite();
            float[] input = own.toInput(image.photo());
            assertThatThrownBy(() -> own.engine().forward(input, 1)).as("freed once the request let go")
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
