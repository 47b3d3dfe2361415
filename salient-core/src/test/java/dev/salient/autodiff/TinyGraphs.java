package dev.salient.autodiff;

import dev.salient.testing.TestGraph;

/**
 * The autodiff tests' former graph builder, now {@link TestGraph} (the one builder for every test); kept so that
 * tests written against this name still compile.
 *
 * @deprecated use {@link TestGraph}
 */
@Deprecated
final class TinyGraphs extends TestGraph {
    static final String X = TestGraph.X;

    TinyGraphs(int opset, long seed) {
        super(opset, seed);
    }
}
