package dev.salient.image;

/** Memory order of one image's tensor (the batch dimension is not part of it). */
public enum Layout {
    /** Channel planes one after another: index = c·H·W + y·W + x (ONNX / PyTorch). */
    NCHW,
    /** Channels interleaved per pixel: index = (y·W + x)·C + c (TensorFlow / TFLite). */
    NHWC;

    /** Flat index of channel {@code c} at pixel ({@code x}, {@code y}) in a C×H×W image stored in this layout. */
    public int index(int c, int y, int x, int channels, int height, int width) {
        return this == NCHW ? (c * height + y) * width + x : (y * width + x) * channels + c;
    }
}
