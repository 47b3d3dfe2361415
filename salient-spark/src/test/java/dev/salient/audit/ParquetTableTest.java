package dev.salient.audit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ParquetTableTest {
    @Test
    void rowsSurviveAWriteAndARead(@TempDir Path dir) throws Exception {
        float[] map = new float[MapStatistics.GRID * MapStatistics.GRID];
        map[5] = 0.5f;
        AuditRow full = new AuditRow("a/b c.jpg", "ab".repeat(32), 1234L, 640, 480, List.of(3, 1, 2),
                List.of("x, y", "é", "z"), List.of(0.5, 0.25, 0.125), 3, "x, y", 0.5, "gradcam",
                Map.of("layer", ""), "log-probability", map, 0.4, 0.6, 0.3, 0.5, 0.7, 0.2, null);
        AuditRow failed = AuditRow.failed("bad.png", null, 0, null, null, AuditModel.gradcam(), "the file is empty");
        Path file = dir.resolve("t.parquet");
        ParquetTable.write(file, List.of(full, failed));
        assertThat(ParquetTable.read(file)).containsExactly(full, failed);
    }

    @Test
    void columnsAreTheRowsComponentsInSnakeCase() {
        assertThat(AuditTable.COLUMNS).extracting(AuditTable.Column::name).containsExactly("path", "sha256",
                "size_bytes", "width", "height", "top_classes", "top_labels", "top_probabilities", "target_class",
                "target_label", "target_probability", "method", "method_params", "head", "map", "peak_x", "peak_y",
                "centre_share", "border_share", "entropy", "deletion_auc", "error");
    }
}
