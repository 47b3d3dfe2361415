package dev.salient.engine;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Time per item of a chunk run, measured at a few chunk sizes for one model and {@link ChunkKind}.
 *
 * @param millisPerItem  wall time of one run divided by its items, by chunk size (the fastest run seen at that size)
 * @param stoppedEarly   whether measuring stopped because a larger size did not pay: larger ones are not tried
 */
public record ChunkTimings(SortedMap<Integer, Double> millisPerItem, boolean stoppedEarly) {
    public ChunkTimings {
        millisPerItem = Collections.unmodifiableSortedMap(new TreeMap<>(millisPerItem));
    }

    /** These timings with {@code other}'s added; a size measured in both keeps {@code other}'s, the newer. */
    public ChunkTimings merge(ChunkTimings other) {
        SortedMap<Integer, Double> merged = new TreeMap<>(millisPerItem);
        merged.putAll(other.millisPerItem);
        return new ChunkTimings(merged, stoppedEarly || other.stoppedEarly);
    }

    /** The form kept on disk: {@code size=ms,size=ms;stopped}. */
    String encode() {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<Integer, Double> e : millisPerItem.entrySet()) {
            s.append(s.length() == 0 ? "" : ",").append(e.getKey()).append('=').append(e.getValue());
        }
        return s.append(';').append(stoppedEarly).toString();
    }

    /** @throws IllegalArgumentException for text not made by {@link #encode} */
    static ChunkTimings decode(String text) {
        String[] parts = text.split(";");
        if (parts.length != 2 || parts[0].isEmpty()) {
            throw new IllegalArgumentException("not chunk timings: " + text);
        }
        SortedMap<Integer, Double> times = new TreeMap<>();
        for (String pair : parts[0].split(",")) {
            String[] kv = pair.split("=");
            if (kv.length != 2) {
                throw new IllegalArgumentException("not chunk timings: " + text);
            }
            int size = Integer.parseInt(kv[0]);
            double millis = Double.parseDouble(kv[1]);
            if (size < 1 || !(millis > 0) || Double.isInfinite(millis)) {
                throw new IllegalArgumentException("not chunk timings: " + text);
            }
            times.put(size, millis);
        }
        return new ChunkTimings(times, Boolean.parseBoolean(parts[1]));
    }
}
