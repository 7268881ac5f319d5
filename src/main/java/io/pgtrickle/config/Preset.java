package io.pgtrickle.config;

import io.pgtrickle.catalog.RefreshMode;
import io.pgtrickle.sql.PgTrickleException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Named defaults for create/alter (seed QW-10). Explicit arguments win over the preset.
 * {@code refreshWorkers} 0 means "as many as the worker's pg_trickle.max_refresh_workers allows".
 */
public enum Preset {
    REAL_TIME("real-time", "1s", RefreshMode.DIFFERENTIAL, 0, 256),
    BATCH("batch", "5m", RefreshMode.AUTO, 1, 64),
    COST_OPTIMIZED("cost-optimized", "15m", RefreshMode.AUTO, 1, 32);

    private final String sqlName;
    private final String schedule;
    private final RefreshMode mode;
    private final int refreshWorkers;
    private final int mergeWorkMemMb;

    Preset(String sqlName, String schedule, RefreshMode mode, int refreshWorkers, int mergeWorkMemMb) {
        this.sqlName = sqlName;
        this.schedule = schedule;
        this.mode = mode;
        this.refreshWorkers = refreshWorkers;
        this.mergeWorkMemMb = mergeWorkMemMb;
    }

    public String sqlName() {
        return sqlName;
    }

    public String schedule() {
        return schedule;
    }

    public RefreshMode mode() {
        return mode;
    }

    public int refreshWorkers() {
        return refreshWorkers;
    }

    public int mergeWorkMemMb() {
        return mergeWorkMemMb;
    }

    public static Preset parse(String text) throws PgTrickleException {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (Preset p : values()) {
            if (p.sqlName.equals(t)) {
                return p;
            }
        }
        throw PgTrickleException.invalidParameter("unknown preset \"" + text + "\": valid presets are "
                + Arrays.stream(values()).map(Preset::sqlName).collect(Collectors.joining(", ")));
    }
}
