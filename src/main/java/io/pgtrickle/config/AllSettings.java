package io.pgtrickle.config;

import io.pgtrickle.sql.PgTrickleException;
import java.util.ArrayList;
import java.util.List;

/** Every setting, by category, loaded and validated together. */
public record AllSettings(SchedulerSettings scheduler, CdcSettings cdc, DvmSettings dvm,
                          MonitoringSettings monitoring) {

    static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>();
        all.addAll(SchedulerSettings.settings());
        all.addAll(CdcSettings.settings());
        all.addAll(DvmSettings.settings());
        all.addAll(MonitoringSettings.settings());
        return all;
    }

    public static AllSettings load(SettingsSource source) throws PgTrickleException {
        try {
            return new AllSettings(SchedulerSettings.load(source), CdcSettings.load(source),
                    DvmSettings.load(source), MonitoringSettings.load(source));
        } catch (Setting.InvalidSettingException e) {
            throw e.toSqlException();
        }
    }

    public static AllSettings defaults() {
        try {
            return load(SettingsSource.empty());
        } catch (PgTrickleException e) {
            throw new IllegalStateException(e);
        }
    }
}
