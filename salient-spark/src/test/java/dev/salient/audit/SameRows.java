package dev.salient.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Row comparison for tests. */
public final class SameRows {
    private SameRows() {}

    /** Equal, up to the float noise of a different forward batch composition. */
    public static void assertSameRow(AuditRow actual, AuditRow expected) {
        String at = expected.path();
        assertThat(actual.path()).isEqualTo(at);
        assertThat(actual.error()).as(at).isEqualTo(expected.error());
        assertThat(actual.sha256()).as(at).isEqualTo(expected.sha256());
        assertThat(actual.sizeBytes()).as(at).isEqualTo(expected.sizeBytes());
        assertThat(actual.width()).as(at).isEqualTo(expected.width());
        assertThat(actual.height()).as(at).isEqualTo(expected.height());
        assertThat(actual.topClasses()).as(at).isEqualTo(expected.topClasses());
        assertThat(actual.topLabels()).as(at).isEqualTo(expected.topLabels());
        assertThat(actual.targetClass()).as(at).isEqualTo(expected.targetClass());
        assertThat(actual.targetLabel()).as(at).isEqualTo(expected.targetLabel());
        assertThat(actual.method()).as(at).isEqualTo(expected.method());
        assertThat(actual.methodParams()).as(at).isEqualTo(expected.methodParams());
        assertThat(actual.head()).as(at).isEqualTo(expected.head());
        if (expected.error() != null) {
            assertThat(actual).isEqualTo(expected);
            return;
        }
        for (int i = 0; i < expected.topProbabilities().size(); i++) {
            assertThat(actual.topProbabilities().get(i)).as(at).isCloseTo(expected.topProbabilities().get(i),
                    within(1e-5));
        }
        assertThat(actual.map()).as(at).hasSameSizeAs(expected.map());
        float scale = 0;
        for (float v : expected.map()) {
            scale = Math.max(scale, v);
        }
        for (int i = 0; i < expected.map().length; i++) {
            assertThat(actual.map()[i]).as(at + " cell " + i).isCloseTo(expected.map()[i], within(1e-5f * scale));
        }
        assertThat(actual.peakX()).as(at).isEqualTo(expected.peakX());
        assertThat(actual.peakY()).as(at).isEqualTo(expected.peakY());
        assertThat(actual.centreShare()).as(at).isCloseTo(expected.centreShare(), within(1e-5));
        assertThat(actual.borderShare()).as(at).isCloseTo(expected.borderShare(), within(1e-5));
        assertThat(actual.entropy()).as(at).isCloseTo(expected.entropy(), within(1e-5));
        assertThat(actual.deletionAuc()).as(at).isCloseTo(expected.deletionAuc(), within(1e-4));
    }
}
