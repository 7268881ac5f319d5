package io.pgtrickle.config;

import java.util.List;

/** Change capture. */
public record CdcSettings(String mode, boolean notifyOnChange) {

    public static final Setting<String> MODE = Setting.choice("cdc_mode", "trigger",
            "How source changes are captured.", "trigger");
    public static final Setting<Boolean> NOTIFY = Setting.bool("cdc_notify", true,
            "Capture triggers send NOTIFY pgtrickle_changes so the worker wakes early.");

    static List<Setting<?>> settings() {
        return List.of(MODE, NOTIFY);
    }

    public static CdcSettings load(SettingsSource s) {
        return new CdcSettings(MODE.read(s), NOTIFY.read(s));
    }
}
