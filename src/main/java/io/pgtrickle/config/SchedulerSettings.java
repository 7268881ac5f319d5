package io.pgtrickle.config;

import java.util.List;

/** How and when the worker refreshes. */
public record SchedulerSettings(boolean enabled, int intervalMs, int refreshWorkers, int maxWorkers,
                                int maxConsecutiveErrors) {

    public static final Setting<Boolean> ENABLED = Setting.bool("enabled", true,
            "When off, the worker keeps running but refreshes nothing.");
    public static final Setting<Integer> INTERVAL_MS = Setting.integer("scheduler_interval_ms", 1000, 10, 3_600_000,
            "Milliseconds between scheduler ticks; a change notification wakes the worker early.");
    public static final Setting<Integer> REFRESH_WORKERS = Setting.integer("refresh_workers", 2, 1, 64,
            "Refresh connections the worker starts with.");
    public static final Setting<Integer> MAX_WORKERS = Setting.integer("max_refresh_workers", 8, 1, 256,
            "Upper bound on refresh connections, including ones added by lag remediation.");
    public static final Setting<Integer> MAX_CONSECUTIVE_ERRORS = Setting.integer("max_consecutive_errors", 3, 1, 1000,
            "Failed refreshes in a row before a stream table is SUSPENDED.");

    static List<Setting<?>> settings() {
        return List.of(ENABLED, INTERVAL_MS, REFRESH_WORKERS, MAX_WORKERS, MAX_CONSECUTIVE_ERRORS);
    }

    public static SchedulerSettings load(SettingsSource s) {
        return new SchedulerSettings(ENABLED.read(s), INTERVAL_MS.read(s), REFRESH_WORKERS.read(s),
                MAX_WORKERS.read(s), MAX_CONSECUTIVE_ERRORS.read(s));
    }
}
