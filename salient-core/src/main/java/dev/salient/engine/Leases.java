package dev.salient.engine;

/**
 * Reference count of a native resource with one owner and any number of borrowers. The owner {@link #retire}s it
 * (a cache evicting it, a model being closed); it is freed once it is retired and every lease has been released,
 * so a resource retired while another thread still uses it lives until that thread is done.
 */
final class Leases {
    private final String what;
    private final Runnable free;
    private int leases;
    private boolean retired;
    private boolean freed;

    /**
     * @param what named in the error for a lease asked after retirement
     * @param free frees the resource; runs once, on the thread that retires it or releases the last lease, outside
     *             this object's lock
     */
    Leases(String what, Runnable free) {
        this.what = what;
        this.free = free;
    }

    /** Takes a lease, to be {@link #release}d exactly once. */
    synchronized void acquire() {
        if (retired) {
            throw new IllegalStateException(what + " is closed");
        }
        leases++;
    }

    void release() {
        boolean last;
        synchronized (this) {
            if (leases == 0) {
                throw new IllegalStateException(what + ": more leases released than taken");
            }
            leases--;
            last = takeFree();
        }
        if (last) {
            free.run();
        }
    }

    /** The owner lets go: no new lease from now on, freed when the last one is released. */
    void retire() {
        boolean last;
        synchronized (this) {
            retired = true;
            last = takeFree();
        }
        if (last) {
            free.run();
        }
    }

    /** Whether the caller is the one to free it now; {@code free} then runs outside this lock. */
    private boolean takeFree() {
        if (retired && leases == 0 && !freed) {
            freed = true;
            return true;
        }
        return false;
    }
}
