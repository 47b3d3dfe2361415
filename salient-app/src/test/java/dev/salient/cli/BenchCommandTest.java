package dev.salient.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.salient.cli.CliTest.model;
import static dev.salient.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code salient bench} on the real MobileNetV2: one row per batch size, a chunked row and the unmasked floor. */
class BenchCommandTest {
    @Test
    void printsRatiosPerBatchChunkedAndTheFloor() {
        CliTest.Run r = run("bench", "--model", model(), "--batch", "1,2", "--chunk", "1", "--repeat", "1",
                "--warmup", "0");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> rows = r.out().lines().filter(l -> l.matches("^\\d.*")).toList();
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0)).startsWith("1 ");
        assertThat(rows.get(1)).startsWith("2 ");
        assertThat(rows.get(2)).startsWith("2 (2x1)");
        assertThat(rows.get(3)).startsWith("1 ").endsWith("floor: the same graph without rectifier masks");
        for (String row : rows) {
            String[] cells = row.replaceAll("\\(2x1\\)", "").trim().split("\\s+");
            double forward = Double.parseDouble(cells[1]);
            double gradient = Double.parseDouble(cells[2]);
            double ratio = Double.parseDouble(cells[3]);
            assertThat(forward).as(row).isPositive();
            assertThat(gradient).as(row).isPositive();
            // times are printed to 0.1 ms, the ratio from the unrounded times
            assertThat(ratio).as(row).isCloseTo(gradient / forward, org.assertj.core.data.Offset.offset(0.03 * ratio));
        }
    }

    @Test
    void forwardPassMethodsAreReportedAgainstTheirForwardCalls() {
        CliTest.Run r = run("bench", "--model", model(), "--batch", "1", "--repeat", "1", "--warmup", "0", "--methods");
        assertThat(r.exit()).as(r.err()).isZero();
        for (String method : List.of("scorecam top-channels=64", "ablationcam", "rise masks=256")) {
            String row = r.out().lines().filter(l -> l.startsWith(method + " ")).findFirst().orElseThrow();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                    "(\\d+) \\w+ / batch (\\d+) = (\\d+) forward calls x ([\\d.]+) ms = ([\\d.]+) ms, ratio ([\\d.]+)$")
                    .matcher(row);
            assertThat(m.find()).as(row).isTrue();
            int count = Integer.parseInt(m.group(1));
            int batch = Integer.parseInt(m.group(2));
            assertThat(Integer.parseInt(m.group(3))).as(row).isEqualTo((count + batch - 1) / batch);
            assertThat(Double.parseDouble(m.group(6))).as(row).isPositive();
        }
    }
}
