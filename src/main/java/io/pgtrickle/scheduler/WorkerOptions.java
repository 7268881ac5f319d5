package io.pgtrickle.scheduler;

import io.pgtrickle.config.AllSettings;
import io.pgtrickle.config.Setting;
import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.observability.TelemetryOptions;
import io.pgtrickle.sql.LibpqEnvironment;
import io.pgtrickle.sql.PgTrickleException;
import java.sql.DriverManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Command-line flags and environment for the worker, mapped onto connection and settings.
 *
 * <ul>
 *   <li>Connection: {@code --url=jdbc:postgresql://...}, else {@code PG_TRICKLE_URL}, else libpq's
 *       {@code PGHOST}, {@code PGPORT}, {@code PGDATABASE}, {@code PGUSER}, {@code PGPASSWORD},
 *       {@code PGSSLMODE}, {@code PGAPPNAME}.</li>
 *   <li>Settings: every {@code pg_trickle.x_y} setting is the flag {@code --x-y=value} and the
 *       variable {@code PG_TRICKLE_X_Y}; {@code --set pg_trickle.x_y=value} also works.
 *       Precedence: flag, environment, then the database ({@code ALTER DATABASE/ROLE ... SET},
 *       postgresql.conf), then the documented default.</li>
 *   <li>{@code --shutdown-timeout-s=N}: how long SIGTERM waits for in-flight refreshes (default 300).</li>
 *   <li>OpenTelemetry export: {@code --otel-traces-exporter}, {@code --otel-endpoint}, {@code --otel-protocol},
 *       {@code --otel-service-name}, or the standard {@code OTEL_*} variables; off by default
 *       (see {@link TelemetryOptions}).</li>
 * </ul>
 */
public final class WorkerOptions {

    private final String jdbcUrl;
    private final Properties connectionProperties;
    private final Map<String, String> flagSettings;
    private final Map<String, String> environment;
    private final long shutdownTimeoutSeconds;
    private final TelemetryOptions telemetry;

    private WorkerOptions(String jdbcUrl, Properties props, Map<String, String> flagSettings,
                          Map<String, String> environment, long shutdownTimeoutSeconds, TelemetryOptions telemetry) {
        this.jdbcUrl = jdbcUrl;
        this.connectionProperties = props;
        this.flagSettings = flagSettings;
        this.environment = environment;
        this.shutdownTimeoutSeconds = shutdownTimeoutSeconds;
        this.telemetry = telemetry;
    }

    /** Parses worker flags; {@code env} is usually {@link System#getenv()}. Bad flags or values throw 22023. */
    public static WorkerOptions parse(List<String> args, Map<String, String> env) throws PgTrickleException {
        Map<String, String> flags = new LinkedHashMap<>();
        Map<String, String> otelFlags = new HashMap<>();
        String url = null;
        long shutdownTimeout = 300;
        Map<String, Setting<?>> byFlag = flagNames();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                throw PgTrickleException.invalidParameter("unexpected argument \"" + a + "\"\n" + usage());
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw PgTrickleException.invalidParameter("flag --" + key + " needs a value");
            }
            switch (key) {
                case "url" -> url = value;
                case "otel-traces-exporter", "otel-endpoint", "otel-protocol", "otel-service-name" ->
                        otelFlags.put(key, value);
                case "shutdown-timeout-s" -> {
                    try {
                        shutdownTimeout = Long.parseLong(value.trim());
                    } catch (NumberFormatException e) {
                        throw PgTrickleException.invalidParameter("--shutdown-timeout-s expects seconds, got " + value);
                    }
                }
                case "set" -> {
                    int e2 = value.indexOf('=');
                    String name = e2 < 0 ? value : value.substring(0, e2);
                    if (e2 < 0 || byFlag.values().stream().noneMatch(s -> s.name().equals(name))) {
                        throw PgTrickleException.invalidParameter("--set expects pg_trickle.<setting>=<value> with a"
                                + " known setting, got \"" + value + "\"\n" + usage());
                    }
                    flags.put(name, value.substring(e2 + 1));
                }
                default -> {
                    Setting<?> s = byFlag.get(key);
                    if (s == null) {
                        throw PgTrickleException.invalidParameter("unknown flag --" + key + "\n" + usage());
                    }
                    flags.put(s.name(), value);
                }
            }
        }
        if (url == null) {
            url = env.get("PG_TRICKLE_URL");
        }
        if (url == null || url.isBlank()) {
            url = LibpqEnvironment.jdbcUrl(env);
        }
        Properties props = LibpqEnvironment.credentials(env, url);
        props.putIfAbsent("ApplicationName", env.getOrDefault("PGAPPNAME", "pg_trickle worker"));
        WorkerOptions o = new WorkerOptions(url, props, flags, Map.copyOf(env), shutdownTimeout,
                TelemetryOptions.resolve(otelFlags, env));
        AllSettings.load(o.overrides()); // validate flag and environment values now, with clear errors
        return o;
    }


    /** Flag name (without --) for every setting: pg_trickle.refresh_workers -> refresh-workers. */
    public static Map<String, Setting<?>> flagNames() {
        Map<String, Setting<?>> out = new TreeMap<>();
        for (Setting<?> s : SettingsSource.known()) {
            out.put(s.name().substring("pg_trickle.".length()).replace('_', '-'), s);
        }
        return out;
    }

    public static String usage() {
        StringBuilder b = new StringBuilder("worker flags:\n  --url=<jdbc url>   (or PG_TRICKLE_URL, or PGHOST/PGPORT/"
                + "PGDATABASE/PGUSER/PGPASSWORD)\n  --shutdown-timeout-s=<seconds>   wait for in-flight refreshes"
                + " on SIGTERM (default 300)\n" + TelemetryOptions.usage() + "  --set pg_trickle.<name>=<value>\n");
        flagNames().forEach((flag, s) -> b.append(String.format(Locale.ROOT, "  --%s=<value>   %s (env %s, default %s) %s%n",
                flag, s.name(), s.name().replace('.', '_').toUpperCase(Locale.ROOT), s.defaultText(), s.doc())));
        return b.toString();
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public long shutdownTimeoutSeconds() {
        return shutdownTimeoutSeconds;
    }

    /** OpenTelemetry span export of this worker (none unless configured). */
    public TelemetryOptions telemetry() {
        return telemetry;
    }

    /** Flags win over environment; the worker layers this over the database's settings. */
    public SettingsSource overrides() {
        return SettingsSource.fromEnvironment(environment).overriddenBy(SettingsSource.of(flagSettings));
    }

    public Worker.ConnectionFactory connectionFactory() {
        Properties props = connectionProperties;
        String url = jdbcUrl;
        return () -> DriverManager.getConnection(url, props);
    }
}
