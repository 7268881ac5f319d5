package io.pgtrickle.scheduler;

/** How one scheduled refresh of a stream table ended; a tick's {@link Worker.TickReport} counts them. */
enum RefreshResult {
    /** Refreshed and committed. */
    REFRESHED,
    /** A DIFFERENTIAL table with no pending changes: only its timestamps advanced. */
    UNCHANGED,
    /** The refresh failed; the failure was counted and remediated. */
    FAILED,
    /** Not attempted: stopping, locked by another worker, no longer runnable or no longer due. */
    SKIPPED
}
