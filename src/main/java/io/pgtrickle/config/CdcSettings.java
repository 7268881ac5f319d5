package io.pgtrickle.config;

import java.util.List;

/** Change capture. */
public record CdcSettings(String mode, boolean notifyOnChange, int maxInactiveBufferRows, int maxInactiveWalMb) {

    public static final Setting<String> MODE = Setting.choice("cdc_mode", "auto",
            "How new stream tables capture source changes: trigger, wal (logical decoding of the WAL)"
                    + " or auto (WAL where wal_level = logical and a replication slot can be had, else triggers).",
            "trigger", "wal", "auto");
    public static final Setting<Boolean> NOTIFY = Setting.bool("cdc_notify", true,
            "Capture triggers send NOTIFY pgtrickle_changes so the worker wakes early.");
    public static final Setting<Integer> MAX_INACTIVE_BUFFER_ROWS = Setting.integer("max_inactive_buffer_rows",
            1_000_000, 0, 1_000_000_000, "A SUSPENDED or ERROR stream table holding more unconsumed change rows than"
                    + " this gives them up and refreshes FULL when resumed (0: no bound).");

    public static final Setting<Integer> MAX_INACTIVE_WAL_MB = Setting.integer("max_inactive_wal_mb",
            1024, 0, 1_000_000, "A SUSPENDED or ERROR stream table that makes the replication slot retain more WAL"
                    + " than this lets go of it and refreshes FULL when resumed (0: no bound).");

    static List<Setting<?>> settings() {
        return List.of(MODE, NOTIFY, MAX_INACTIVE_BUFFER_ROWS, MAX_INACTIVE_WAL_MB);
    }

    public static CdcSettings load(SettingsSource s) {
        return new CdcSettings(MODE.read(s), NOTIFY.read(s), MAX_INACTIVE_BUFFER_ROWS.read(s),
                MAX_INACTIVE_WAL_MB.read(s));
    }
}
