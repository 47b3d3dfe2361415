package dev.salient.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The second thread of a command's start: results as if run here, and nothing left running after it closes. */
class OverlapTest {
    @Test
    void aResultOrWhatTheTaskThrewComesBackAsIfRunHere() throws Exception {
        try (Overlap overlap = new Overlap()) {
            assertThat(Overlap.result(overlap.submit(() -> 42))).isEqualTo(42);
            Future<Object> unreadable = overlap.submit(() -> {
                throw new UncheckedIOException(new IOException("image file not found: a.png"));
            });
            assertThatThrownBy(() -> Overlap.result(unreadable)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("image file not found");
            Future<Object> checked = overlap.submit(() -> {
                throw new IOException("disk gone");
            });
            assertThatThrownBy(() -> Overlap.result(checked)).isExactlyInstanceOf(IOException.class);
        }
    }

    @Test
    void preparingSwallowsWhatTheMainThreadWillReportItself() throws Exception {
        try (Overlap overlap = new Overlap()) {
            Future<?> failed = overlap.prepare(() -> {
                throw new IllegalStateException("the model is closed");
            });
            assertThat(Overlap.result(failed)).isNull();
        }
    }

    @Test
    void closingWaitsForTheRunningTaskAndDropsTheRest() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        AtomicBoolean queuedRan = new AtomicBoolean();
        Overlap overlap = new Overlap();
        overlap.prepare(() -> {
            started.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException("interrupted: close must not interrupt", e);
            }
            finished.set(true);
        });
        overlap.prepare(() -> queuedRan.set(true));
        started.await();
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            release.countDown();
        });
        releaser.start();
        overlap.close();
        assertThat(finished).as("waited for, not interrupted").isTrue();
        assertThat(queuedRan).as("dropped").isFalse();
        releaser.join();
    }
}
