package dev.salient.testing;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * The one way tests wait for something that happens on another thread or process (a job's progress, a child
 * process's output): Awaitility, polling on the test's thread every {@link #POLL} up to a limit the test states.
 */
public final class Waits {
    public static final Duration POLL = Duration.ofMillis(50);

    private Waits() {}

    /** An Awaitility condition that polls every {@link #POLL} and fails after {@code limit}. */
    public static ConditionFactory upTo(Duration limit) {
        return Awaitility.await().atMost(limit).pollInterval(POLL).pollDelay(Duration.ZERO).pollInSameThread();
    }

    /**
     * Polls until {@code done} holds and returns that value. An exception from {@code poll} (an assertion such as
     * "the child is still alive") fails at once.
     *
     * @param what the awaited state, for the failure message, which also shows the value last seen
     */
    public static <T> T until(Duration limit, String what, Callable<T> poll, Predicate<? super T> done) {
        AtomicReference<T> last = new AtomicReference<>();
        try {
            return upTo(limit).until(() -> {
                T value = poll.call();
                last.set(value);
                return value;
            }, done);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + ": not within " + limit.toMillis() + " ms; last seen " + last.get(), e);
        }
    }
}
