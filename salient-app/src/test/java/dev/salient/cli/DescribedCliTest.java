package dev.salient.cli;

import dev.salient.attribution.AttributionMethods;
import dev.salient.testing.SharedData;
import org.junit.jupiter.api.Test;

import static dev.salient.cli.CliTest.model;
import static dev.salient.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** What the command line derives from the descriptions: help, 'salient methods', and -P and flag refusals. */
class DescribedCliTest {
    @Test
    void methodsListsEveryMethodWithItsParametersDefaultsAndLimits() {
        CliTest.Run r = run("methods");
        assertThat(r.exit()).isZero();
        for (String name : AttributionMethods.names()) {
            assertThat(r.out()).contains(name + " — ");
        }
        String smoothgrad = r.out().substring(r.out().indexOf("smoothgrad — SmoothGrad"));
        assertThat(smoothgrad).contains("-P samples=50").contains("1..1000").contains("[0, 1] of the input range")
                .contains("samples × (1 forward + 1 backward) passes");
        assertThat(r.out()).containsPattern("-P batch=0 +0\\.\\.256 .*not settable over the web API");
        assertThat(r.out()).contains("gradcam — Grad-CAM").contains("layer map, never negative")
                .contains("drawn by default: turbo, alpha overlay, per-map scaling");
        assertThat(r.out()).contains("-P rule=gauss-legendre").contains("trapezoid|midpoint|gauss-legendre");
        String shap = r.out().substring(r.out().indexOf("kernel-shap — KernelSHAP"));
        assertThat(shap).contains("-P coalitions=1000").contains("-P superpixels=50")
                .contains("2 forward + coalitions × 1 forward passes");
        assertThat(r.out().substring(r.out().indexOf("xrai — XRAI"))).contains("-P scales=50,100,150,250,500,1200")
                .contains("-P ig-baselines=black-and-white");
    }

    @Test
    void explainHelpListsTheRegistrysMethodsAndTheDescribedFlags() {
        CliTest.Run r = run("explain", "--help");
        assertThat(r.exit()).isZero();
        String help = r.out().replaceAll("\\s+", " "); // as one line, whatever picocli wraps
        assertThat(help).contains("Attribution method (default: " + AttributionMethods.names().get(0) + "), one of: "
                + String.join(", ", AttributionMethods.names()));
        assertThat(help).contains("--sensitivity=SENSITIVITY").contains("(0, 40]; default: 20")
                .contains("--scaling=fixed|per-map").contains("--head=logit|probability|log-probability")
                .contains("the brightest (100 − P) % saturate");
        assertThat(run("export-explainer", "--help").out().replaceAll("\\s+", " ")).contains("gradient, gradient-x-input, gradcam")
                .contains("default: logit");
    }

    @Test
    void badFlagsAndParametersAreRefusedInOneLineNamingThem() {
        String bird = SharedData.image("bird.bmp").toString();
        assertOneLine(run("explain", bird, "--model", model(), "--sensitivity", "NaN"),
                "--sensitivity must be a positive number up to 40, got 'NaN'");
        assertOneLine(run("explain", bird, "--model", model(), "--colormap", "rainbow"),
                "--colormap must be one of grey, viridis, inferno, turbo, diverging, got 'rainbow'");
        assertOneLine(run("explain", bird, "--model", model(), "--head", "softmax"), "--head must be one of");
        assertOneLine(run("explain", bird, "--model", model(), "--method", "smoothgrad", "-P", "bogus=1"),
                "no chosen method takes parameter 'bogus'");
        // the limit a server has, the command line has too: no 34741-hour run
        assertOneLine(run("explain", bird, "--model", model(), "--method", "smoothgrad", "-P", "samples=1000000000"),
                "parameter 'samples' of method 'smoothgrad' must be a whole number from 1 to 1000, got '1000000000'");
    }

    private static void assertOneLine(CliTest.Run r, String expected) {
        assertThat(r.exit()).isNotZero();
        assertThat(r.err().strip()).startsWith("salient: error: " + expected);
        assertThat(r.err().strip().lines()).hasSize(1);
    }
}
