package io.pgtrickle.catalog;

import io.pgtrickle.sql.PgTrickleException;
import java.util.Locale;

/**
 * The change capture a stream table asks for. WAL capture decodes the database's logical
 * replication slot; AUTO uses it where it can (wal_level = logical, a slot, a source it can
 * decode) and triggers elsewhere. A source read by several stream tables is captured one way for
 * all of them: by triggers as soon as one of them asks for TRIGGER.
 */
public enum CdcMode {
    TRIGGER, WAL, AUTO;

    public static CdcMode parse(String text) throws PgTrickleException {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new PgTrickleException(PgTrickleException.INVALID_PARAMETER_VALUE,
                    "invalid cdc_mode \"" + text + "\": valid values are trigger, wal and auto");
        }
    }

    /** As pgt_stream_tables.cdc_mode spells it. */
    public String sqlName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
