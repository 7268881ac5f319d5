package io.pgtrickle.refresh;

/** Who asked for a refresh, as written to pgt_refresh_history.initiated_by. */
public enum Initiator {
    SCHEDULER, MANUAL, INITIAL
}
