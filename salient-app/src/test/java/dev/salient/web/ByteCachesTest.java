package dev.salient.web;

import com.github.benmanes.caffeine.cache.Cache;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The server's two byte-bounded caches: Caffeine for what it can recompute, strict recency for uploaded photos. */
class ByteCachesTest {
    private static final long BOUND = 100;

    @Test
    void aCaffeineCacheKeepsItsByteBoundAndRefusesAValueLargerThanTheBound() {
        Cache<String, Long> cache = ByteBoundedCache.create(BOUND, Long::longValue);
        for (int i = 0; i < 20; i++) {
            cache.put("map" + i, 30L);
            assertThat(weight(cache)).isLessThanOrEqualTo(BOUND);
        }
        long before = cache.estimatedSize();
        cache.put("huge", 2 * BOUND);
        assertThat(cache.getIfPresent("huge")).isNull();
        assertThat(cache.estimatedSize()).as("the oversized value evicts nothing else").isEqualTo(before);
        cache.put("gigantic", Long.MAX_VALUE); // above an int weight: counted as 2³¹ − 1, refused the same way
        assertThat(cache.getIfPresent("gigantic")).isNull();
    }

    @Test
    void theNewestUploadSurvivesAStoreFullOfPhotosUsedMoreOften() {
        ByteLruCache<String, Long> photos = new ByteLruCache<>(BOUND, Long::longValue);
        Cache<String, Long> caffeine = ByteBoundedCache.create(BOUND, Long::longValue);
        for (int i = 0; i < 4; i++) {
            photos.put("old" + i, 25L);
            caffeine.put("old" + i, 25L);
            for (int read = 0; read < 3; read++) {
                photos.get("old" + i);
                caffeine.getIfPresent("old" + i);
            }
        }
        photos.put("new", 30L);
        caffeine.put("new", 30L);
        assertThat(photos.get("new")).as("the client's next request finds its upload").isEqualTo(30L);
        assertThat(photos.get("old0")).as("the least recently used photos made room").isNull();
        assertThat(photos.bytes()).isLessThanOrEqualTo(BOUND);
        // why the photo store is not Caffeine: frequency admission drops the new, less used entry
        assertThat(caffeine.getIfPresent("new")).isNull();
    }

    private static long weight(Cache<?, ?> cache) {
        return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }
}
