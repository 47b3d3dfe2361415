package dev.salient.web;

import dev.salient.image.ImageLimits;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the web app.
 *
 * @param host          address to bind; 127.0.0.1 unless the operator says otherwise
 * @param port          TCP port; 0 picks a free one
 * @param examples      gallery folder, or null for no gallery
 * @param limits        upload size and pixel count limits
 * @param workers       threads running networks (attributions, classifications)
 * @param queue         work waiting for a worker beyond which requests are refused with 503
 * @param timeout       time limit of one piece of network work (a request waiting for it gets 504)
 * @param cacheBytes    bound of the raw-attribution cache (bytes; Caffeine, see {@link ByteBoundedCache})
 * @param imageCacheBytes bound of the uploaded-photo store (LRU by bytes)
 */
public record WebConfig(String host, int port, Path examples, ImageLimits limits, int workers, int queue,
                        Duration timeout, long cacheBytes, long imageCacheBytes) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 7860;

    public WebConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(timeout, "timeout");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535, was " + port);
        }
        if (workers < 1 || queue < 0) {
            throw new IllegalArgumentException("need at least one worker and a non-negative queue");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
    }

    public static WebConfig defaults() {
        return new WebConfig(DEFAULT_HOST, DEFAULT_PORT, null, ImageLimits.DEFAULT, 2, 8, Duration.ofSeconds(120),
                256L << 20, 512L << 20);
    }

    public WebConfig withPort(int newPort) {
        return new WebConfig(host, newPort, examples, limits, workers, queue, timeout, cacheBytes, imageCacheBytes);
    }

    public WebConfig withExamples(Path dir) {
        return new WebConfig(host, port, dir, limits, workers, queue, timeout, cacheBytes, imageCacheBytes);
    }

    public WebConfig withLimits(ImageLimits newLimits) {
        return new WebConfig(host, port, examples, newLimits, workers, queue, timeout, cacheBytes, imageCacheBytes);
    }

    public WebConfig withWork(int newWorkers, int newQueue, Duration newTimeout) {
        return new WebConfig(host, port, examples, limits, newWorkers, newQueue, newTimeout, cacheBytes,
                imageCacheBytes);
    }
}
