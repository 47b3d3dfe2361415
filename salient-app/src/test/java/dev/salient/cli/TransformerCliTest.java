package dev.salient.cli;

import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.salient.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * explain on the reference ViT (../shared/reference/vit_s6.onnx): Grad-CAM and both attention methods, 14×14. Fed as
 * its reference input was (ImageNet mean and std), for the reference class 316: its weights are random, and for some
 * other classes every Grad-CAM channel sum is negative, so ReLU leaves an all-zero map (measured: classes 5 and 295
 * on [0, 1] pixels), which is Grad-CAM's answer, not a failure to read the tokens.
 */
class TransformerCliTest {
    /** The reference input's preprocessing and target (../shared/reference/vit_s6.ref.json). */
    static final List<String> REFERENCE = List.of("--mean", "0.485,0.456,0.406", "--std", "0.229,0.224,0.225",
            "--target", "316");

    @Test
    void gradCamAndAttentionMapsAreFourteenByFourteenAndNotZero(@TempDir Path dir) throws Exception {
        String vit = SharedData.path("reference/vit_s6.onnx").toString();
        String photo = SharedData.path("reference/bird_224.png").toString();
        for (String method : List.of("gradcam", "attention-rollout", "attention-gradient-rollout")) {
            Path raw = dir.resolve(method + ".npy");
            List<String> args = new java.util.ArrayList<>(List.of("explain", photo, "--model", vit, "--method", method,
                    "-o", dir.resolve(method + ".png").toString(), "--raw", raw.toString()));
            args.addAll(REFERENCE);
            CliTest.Run r = run(args.toArray(String[]::new));
            assertThat(r.exit()).as(method + ": " + r.err()).isZero();
            byte[] npy = Files.readAllBytes(raw);
            int headerLength = (npy[8] & 0xFF) | (npy[9] & 0xFF) << 8;
            assertThat(new String(npy, 10, headerLength, StandardCharsets.US_ASCII)).as(method)
                    .contains("'shape': (14, 14)");
            ByteBuffer values = ByteBuffer.wrap(npy, 10 + headerLength, 14 * 14 * 4).order(ByteOrder.LITTLE_ENDIAN);
            float largest = 0;
            for (int i = 0; i < 14 * 14; i++) {
                largest = Math.max(largest, values.getFloat());
            }
            assertThat(largest).as(method).isGreaterThan(0);
        }
    }

    @Test
    void attentionMethodsOnACnnSayTheyNeedATransformer() {
        CliTest.Run r = run("explain", SharedData.image("cat.bmp").toString(), "--model", CliTest.model(),
                "--method", "attention-rollout");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err().strip()).startsWith("salient: error:").contains("vision transformer").doesNotContain("\n");
    }
}
