package dev.salient.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.salient.image.Layout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChannelAggregationTest {

    // Two pixels (1 row × 2 columns), channels: a = (1, −2, 2), b = (−3, 0, 4).
    private static final float[] NCHW = {1, -3, -2, 0, 2, 4};
    private static final float[] NHWC = {1, -2, 2, -3, 0, 4};

    @ParameterizedTest
    @CsvSource({
        "SIGNED_MEAN, 0.3333333, 0.3333333", // (1 − 2 + 2)/3, (−3 + 0 + 4)/3
        "ABS_MAX, 2, 4",
        "ABS_SUM, 5, 7",
        "L2, 3, 5",                          // √(1 + 4 + 4), √(9 + 0 + 16)
    })
    void aggregatesInBothLayouts(ChannelAggregation aggregation, float a, float b) {
        for (Layout layout : Layout.values()) {
            float[] data = layout == Layout.NCHW ? NCHW : NHWC;
            AttributionMap map = aggregation.aggregate(data, 3, 1, 2, layout);
            assertThat(map.width()).isEqualTo(2);
            assertThat(map.height()).isEqualTo(1);
            assertThat(map.get(0, 0)).as("%s %s pixel a", aggregation, layout).isCloseTo(a, within(1e-6f));
            assertThat(map.get(1, 0)).as("%s %s pixel b", aggregation, layout).isCloseTo(b, within(1e-6f));
        }
    }

    @ParameterizedTest
    @CsvSource({"SIGNED_MEAN", "ABS_MAX"})
    void rowsAndColumnsLandInPlace(ChannelAggregation aggregation) {
        // 1 channel, 2 rows × 3 columns: value = 10·y + x.
        float[] data = {0, 1, 2, 10, 11, 12};
        AttributionMap map = aggregation.aggregate(data, 1, 2, 3, Layout.NCHW);
        assertThat(map.get(2, 0)).isEqualTo(2f);
        assertThat(map.get(0, 1)).isEqualTo(10f);
        assertThat(map.values()).containsExactly(data);
    }

    @ParameterizedTest
    @CsvSource({"L2"})
    void wrongLengthIsRefused(ChannelAggregation aggregation) {
        assertThatThrownBy(() -> aggregation.aggregate(new float[5], 3, 1, 2, Layout.NCHW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 5");
    }
}
