package dev.salient.web;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * A thread-safe least-recently-used cache bounded by the total weight (bytes) of its values: the uploaded-photo store.
 * A photo just uploaded is read by the client's next request, so the newest entry must survive a full store. Caffeine
 * ({@link ByteBoundedCache}) admits by frequency (W-TinyLFU) and drops a new entry that was used less often than its
 * victim: measured on a store full of photos read three times each, the new upload was evicted at once
 * ({@code ByteCachesTest}), which would answer the next request with 404. The recomputable caches use Caffeine.
 */
final class ByteLruCache<K, V> {
    private final long maxBytes;
    private final ToLongFunction<V> weigher;
    private final LinkedHashMap<K, V> map = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    ByteLruCache(long maxBytes, ToLongFunction<V> weigher) {
        this.maxBytes = maxBytes;
        this.weigher = weigher;
    }

    synchronized V get(K key) {
        return map.get(key);
    }

    /** Stores the value unless it alone exceeds the bound; evicts least recently used entries to fit. */
    synchronized void put(K key, V value) {
        long w = weigher.applyAsLong(value);
        V old = map.remove(key);
        if (old != null) {
            bytes -= weigher.applyAsLong(old);
        }
        if (w > maxBytes) {
            return;
        }
        map.put(key, value);
        bytes += w;
        Iterator<Map.Entry<K, V>> it = map.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Map.Entry<K, V> e = it.next();
            bytes -= weigher.applyAsLong(e.getValue());
            it.remove();
        }
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return map.size();
    }
}
