package dev.salient.web;

import dev.salient.attribution.SpatialLayers;
import dev.salient.model.ImageClassifier;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The layer picker's labels on the imported TFLite MobileNetV2, whose raw tensor names run to hundreds of characters. */
class LayerLabelsTest {
    @Test
    void labelsAreShortDistinctAndSayPositionOpGridAndChannels() {
        ImageClassifier c = TestSupport.quantisedMobileNet();
        List<SpatialLayers.Layer> layers = ModelLayers.of(c.engine());
        List<String> labels = LayerLabels.of(c.engine(), layers);
        List<Integer> rawLengths = layers.stream().map(l -> l.name().length()).sorted().toList();
        assertThat(rawLengths.get(rawLengths.size() / 2)).as("median raw name").isGreaterThan(150);
        assertThat(labels).hasSameSizeAs(layers).allSatisfy(l -> assertThat(l.length()).isLessThan(32));
        assertThat(new HashSet<>(labels)).hasSameSizeAs(labels);
        assertThat(labels.get(0)).isEqualTo("layer 1 · Transpose · 224×224×3");
        assertThat(labels.get(labels.size() - 1)).isEqualTo("layer " + labels.size() + " · Clip · 7×7×1280");
    }
}
