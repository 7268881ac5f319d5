package io.pgtrickle.config;

import java.util.List;

/** Change capture. */
public record CdcSettings(String mode, boolean notifyOnChange, int maxInactiveBufferRows) {

    public static final Setting<String> MODE = Setting.choice("cdc_mode", "trigger",
            "How source changes are captured.", "trigger");
    public static final Setting<Boolean> NOTIFY = Setting.bool("cdc_notify", true,
            "Capture triggers send NOTIFY pgtrickle_changes so the worker wakes early.");
    public static final Setting<Integer> MAX_INACTIVE_BUFFER_ROWS = Setting.integer("max_inactive_buffer_rows",
            1_000_000, 0, 1_000_000_000, "A SUSPENDED or ERROR stream table holding more unconsumed change rows than"
                    + " this gives them up and refreshes FULL when resumed (0: no bound).");

    static List<Setting<?>> settings() {
        return List.of(MODE, NOTIFY, MAX_INACTIVE_BUFFER_ROWS);
    }

    public static CdcSettings load(SettingsSource s) {
        return new CdcSettings(MODE.read(s), NOTIFY.read(s), MAX_INACTIVE_BUFFER_ROWS.read(s));
    }
}
