package io.pgtrickle.config;

import java.util.List;

/** History retention and exported telemetry. */
public record MonitoringSettings(int historyRetentionDays, int metricsPort) {

    public static final Setting<Integer> HISTORY_RETENTION_DAYS = Setting.integer("history_retention_days", 7, 0, 36_500,
            "Refresh history older than this many days is pruned by the worker (0 keeps everything).");
    public static final Setting<Integer> METRICS_PORT = Setting.integer("metrics_port", 9188, 0, 65_535,
            "Port of the worker's Prometheus /metrics endpoint (0 disables it).");

    static List<Setting<?>> settings() {
        return List.of(HISTORY_RETENTION_DAYS, METRICS_PORT);
    }

    public static MonitoringSettings load(SettingsSource s) {
        return new MonitoringSettings(HISTORY_RETENTION_DAYS.read(s), METRICS_PORT.read(s));
    }
}
