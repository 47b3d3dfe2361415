package dev.salient.audit;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

class AuditReportTest {
    @Test
    void showsPerClassTheImagesMostOutsideTheCentreAndTheClustersAsPictures() throws Exception {
        String html = Files.readString(AuditRuns.localOutput().resolve(AuditOutput.REPORT));
        List<AuditRow> rows = AuditRuns.localRows();
        assertThat(html).contains("Strategies over all images (SpRAy)").contains("Per class")
                .contains(AuditImages.BOMB).contains("megapixels");
        // the most frequent class's section ranks its images by border share, highest first
        int cls = rows.stream().filter(r -> r.error() == null)
                .collect(Collectors.groupingBy(AuditRow::targetClass, Collectors.counting()))
                .entrySet().stream().max(Map.Entry.<Integer, Long>comparingByValue()
                        .thenComparing(e -> -e.getKey())).orElseThrow().getKey();
        List<String> expected = rows.stream().filter(r -> r.error() == null && r.targetClass() == cls)
                .sorted(Comparator.comparingDouble((AuditRow r) -> -r.borderShare()).thenComparing(AuditRow::path))
                .limit(AuditReport.SHOWN).map(AuditRow::path).toList();
        String section = html.substring(html.indexOf("(class " + cls + ")"));
        section = section.substring(section.indexOf("Most attribution outside the centre"));
        Matcher shown = Pattern.compile("<figcaption>([^<]+)<br>border").matcher(section);
        List<String> listed = new java.util.ArrayList<>();
        while (listed.size() < expected.size() && shown.find()) {
            listed.add(shown.group(1));
        }
        assertThat(listed).isEqualTo(expected);
        // every picture is inline: mean maps and photos with their maps
        assertThat(html).contains("mean map").doesNotContain("src=\"\"");
        assertThat(Pattern.compile("src=\"data:image/png;base64,").matcher(html).results().count())
                .isGreaterThan(2L * AuditReport.SHOWN);
    }
}
