package io.pgtrickle.refresh;

/** What a refresh did, as written to pgt_refresh_history.action. */
public enum RefreshAction {
    NO_DATA, FULL, DIFFERENTIAL, REINITIALIZE, SKIP
}
