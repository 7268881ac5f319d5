package io.pgtrickle.catalog;

import io.pgtrickle.sql.PgTrickleException;
import java.util.Locale;

/** FULL recomputes; DIFFERENTIAL applies deltas; AUTO picks DIFFERENTIAL when the query allows it. */
public enum RefreshMode {
    FULL, DIFFERENTIAL, AUTO;

    public static RefreshMode parse(String text) throws PgTrickleException {
        if (text != null) {
            for (RefreshMode m : values()) {
                if (m.name().equals(text.trim().toUpperCase(Locale.ROOT))) {
                    return m;
                }
            }
        }
        throw PgTrickleException.invalidParameter("invalid refresh_mode \"" + text
                + "\": expected FULL, DIFFERENTIAL or AUTO");
    }
}
