package io.pgtrickle.support;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition that another process (the worker, a replication apply worker) makes true. */
public final class Await {

    private Await() {
    }

    /** Waits until {@code condition} holds, failing after {@code limit}. */
    public static void until(Duration limit, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (Boolean.TRUE.equals(condition.call())) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toSeconds() + "s waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
