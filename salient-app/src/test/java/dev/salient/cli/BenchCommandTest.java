package dev.salient.cli;

import dev.salient.autodiff.RuleTable;
import dev.salient.autodiff.TargetHead;
import dev.salient.engine.ChunkKind;
import dev.salient.engine.DifferentiableModel;
import dev.salient.testing.RealModels;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;
import java.util.Random;

import static dev.salient.cli.CliTest.model;
import static dev.salient.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code salient bench} on the real MobileNetV2: one row per batch size, a chunked row and the unmasked floor, each
 * with the minimum, median and maximum of its timed runs and the ratio of the minimums.
 */
class BenchCommandTest {
    @Test
    void printsRatiosPerBatchChunkedAndTheFloor() {
        CliTest.Run r = run("bench", "--model", model(), "--batch", "1,2", "--chunk", "1", "--repeat", "3",
                "--warmup", "0");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> rows = r.out().lines().filter(l -> l.matches("^\\d.*")).toList();
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0)).startsWith("1 ");
        assertThat(rows.get(1)).startsWith("2 ");
        assertThat(rows.get(2)).startsWith("2 (2x1)");
        assertThat(rows.get(3)).startsWith("1 ").endsWith("floor: the same graph without rectifier masks");
        for (String row : rows) {
            // label, forward min / med / max, gradient min / med / max, ratio of minimums, pair ratio med (lo-hi), RSS
            String[] cells = row.replaceAll("\\(2x1\\)", "").replaceAll("[()-]", " ")
                    .trim().split("\\s+");
            double[] forward = {Double.parseDouble(cells[1]), Double.parseDouble(cells[2]), Double.parseDouble(cells[3])};
            double[] gradient = {Double.parseDouble(cells[4]), Double.parseDouble(cells[5]), Double.parseDouble(cells[6])};
            double ratio = Double.parseDouble(cells[7]);
            double[] pairRatio = {Double.parseDouble(cells[9]), Double.parseDouble(cells[8]), Double.parseDouble(cells[10])};
            assertThat(forward[0]).as(row).isPositive();
            assertThat(forward).as(row).isSorted();
            assertThat(gradient[0]).as(row).isPositive();
            assertThat(gradient).as(row).isSorted();
            assertThat(pairRatio).as(row).isSorted();
            // times are printed to 0.1 ms, the ratio from the unrounded minimums
            assertThat(ratio).as(row).isCloseTo(gradient[0] / forward[0], org.assertj.core.data.Offset.offset(0.03 * ratio));
        }
    }

    @Test
    void forwardPassMethodsAreReportedAgainstTheirForwardCalls() {
        CliTest.Run r = run("bench", "--model", model(), "--batch", "1", "--repeat", "1", "--warmup", "0", "--methods");
        assertThat(r.exit()).as(r.err()).isZero();
        for (String method : List.of("scorecam top-channels=64", "ablationcam", "rise masks=256")) {
            String row = r.out().lines().filter(l -> l.startsWith(method + " ")).findFirst().orElseThrow();
            // method min / med / max, forward min / med / max, ratio of minimums per call (printed to 0.01), pair ratio
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                    "^ +([\\d.]+) +[\\d.]+ +[\\d.]+ +([\\d.]+) +[\\d.]+ +[\\d.]+ +([\\d.]+) .* <= 1\\.3 of its (\\d+) forward "
                    + "calls \\((\\d+) \\w+ in chunks of (\\d+)\\)$").matcher(row.substring(method.length()));
            assertThat(m.find()).as(row).isTrue();
            int calls = Integer.parseInt(m.group(4));
            int count = Integer.parseInt(m.group(5));
            int batch = Integer.parseInt(m.group(6));
            assertThat(calls).as(row).isEqualTo((count + batch - 1) / batch);
            double ratio = Double.parseDouble(m.group(3));
            assertThat(ratio).as(row).isCloseTo(Double.parseDouble(m.group(1))
                    / (calls * Double.parseDouble(m.group(2))), org.assertj.core.data.Offset.offset(0.03 * ratio + 0.005));
        }
    }

    /** A row's gradient graph runs in that row only: kept cached, each row's arena added up (8.6 GB, EfficientNetV2-S). */
    @Test
    void aRowLetsGoOfItsGradientSessionOnceMeasured() {
        BenchCommand bench = new BenchCommand();
        new CommandLine(bench).parseArgs("--repeat", "1", "--warmup", "0");
        DifferentiableModel engine = RealModels.mobileNetV2().engine();
        bench.report(engine, new Random(1), 2, 2, RuleTable.standard(), "");
        assertThat(engine.cachedBatchSizes(ChunkKind.gradient(TargetHead.LOG_PROBABILITY, RuleTable.standard(),
                List.of()))).isEmpty();
    }
}
