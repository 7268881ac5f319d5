package io.pgtrickle.catalog;

import io.pgtrickle.sql.PgTrickleException;
import java.util.Locale;

/** Lifecycle of a stream table. Users may set ACTIVE or SUSPENDED; the engine sets the rest. */
public enum Status {
    INITIALIZING, ACTIVE, SUSPENDED, ERROR;

    public static Status parseUserSettable(String text) throws PgTrickleException {
        String t = text == null ? "" : text.trim().toUpperCase(Locale.ROOT);
        if (t.equals("ACTIVE") || t.equals("SUSPENDED")) {
            return valueOf(t);
        }
        throw PgTrickleException.invalidParameter("invalid status \"" + text + "\": expected ACTIVE or SUSPENDED");
    }
}
