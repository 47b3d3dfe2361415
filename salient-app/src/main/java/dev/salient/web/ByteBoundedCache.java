package dev.salient.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.util.function.ToLongFunction;

/**
 * The server's caches of results it can recompute (maps, classifications, faithfulness results): Caffeine bounded by
 * the total bytes of their values ({@code maximumWeight} with a byte weigher). A value larger than the whole bound is
 * not kept. Its admission by frequency may drop a new entry at once (a later request recomputes it); the photo store,
 * whose entries cannot be recomputed, keeps strict recency instead ({@link ByteLruCache}).
 */
final class ByteBoundedCache {
    private ByteBoundedCache() {}

    /**
     * @param maxBytes total weight the cache keeps
     * @param bytes    a value's size in bytes (above 2³¹ − 1 it counts as 2³¹ − 1, still above any bound we set)
     */
    static <K, V> Cache<K, V> create(long maxBytes, ToLongFunction<V> bytes) {
        return Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((K key, V value) -> (int) Math.min(Integer.MAX_VALUE, bytes.applyAsLong(value)))
                // evict on the writing thread: the bound holds when put returns, with no background task to wait for
                .executor(Runnable::run)
                .build();
    }
}
