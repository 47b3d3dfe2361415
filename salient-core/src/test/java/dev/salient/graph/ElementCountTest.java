package dev.salient.graph;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one element-count rule the graph, autodiff, engine, attribution and render code share. */
class ElementCountTest {
    @Test
    void isTheProductOfTheDimensionsOneForAScalarAndRefusesOverflow() {
        assertThat(TensorShapes.elementCount(new long[] {1, 3, 224, 224})).isEqualTo(150_528);
        assertThat(TensorShapes.elementCount(new long[] {})).isEqualTo(1);
        assertThat(TensorShapes.elementCount(new long[] {4, 0, 7})).isZero();
        assertThatThrownBy(() -> TensorShapes.elementCount(new long[] {1L << 40, 1L << 40}))
                .isInstanceOf(ArithmeticException.class);
    }
}
