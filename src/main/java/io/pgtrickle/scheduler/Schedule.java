package io.pgtrickle.scheduler;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.pgtrickle.sql.PgTrickleException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a stream table is due: a duration ({@code 30s}, {@code 1h30m}), a 5- or 6-field cron
 * expression or an {@code @hourly}-style alias, or {@code calculated} (whenever a source changed).
 */
public sealed interface Schedule {

    /** Whether a table last refreshed at {@code last} (null: never) is due at {@code now}. */
    boolean isDue(ZonedDateTime last, ZonedDateTime now);

    /** The nominal interval, used for lag and back-off decisions. */
    Duration nominalInterval();

    record Every(Duration interval) implements Schedule {
        @Override
        public boolean isDue(ZonedDateTime last, ZonedDateTime now) {
            return last == null || !now.isBefore(last.plus(interval));
        }

        @Override
        public Duration nominalInterval() {
            return interval;
        }
    }

    record CronSchedule(String expression, Cron cron) implements Schedule {
        @Override
        public boolean isDue(ZonedDateTime last, ZonedDateTime now) {
            if (last == null) {
                return true;
            }
            Optional<ZonedDateTime> next = ExecutionTime.forCron(cron).nextExecution(last);
            return next.isPresent() && !now.isBefore(next.get());
        }

        @Override
        public Duration nominalInterval() {
            ExecutionTime t = ExecutionTime.forCron(cron);
            ZonedDateTime now = ZonedDateTime.now();
            Optional<ZonedDateTime> a = t.nextExecution(now);
            Optional<ZonedDateTime> b = a.flatMap(t::nextExecution);
            return a.isPresent() && b.isPresent() ? Duration.between(a.get(), b.get()) : Duration.ofMinutes(1);
        }
    }

    /** Refresh whenever an upstream source has pending changes. */
    record Calculated() implements Schedule {
        @Override
        public boolean isDue(ZonedDateTime last, ZonedDateTime now) {
            return true;
        }

        @Override
        public Duration nominalInterval() {
            return Duration.ofSeconds(1);
        }
    }

    Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    Map<String, String> ALIASES = Map.of(
            "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@hourly", "0 * * * *");

    static Schedule parse(String text) throws PgTrickleException {
        if (text == null || text.isBlank()) {
            throw invalid(text, "empty");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("calculated")) {
            return new Calculated();
        }
        if (ALIASES.containsKey(t)) {
            return cron(text, ALIASES.get(t), CronType.UNIX);
        }
        if (t.startsWith("@")) {
            throw invalid(text, "unknown alias (use one of " + String.join(", ", ALIASES.keySet()) + ")");
        }
        String[] fields = t.split("\\s+");
        if (fields.length == 5) {
            return cron(text, t, CronType.UNIX);
        }
        if (fields.length == 6) {
            return cron(text, t, CronType.SPRING);
        }
        if (fields.length == 1) {
            return duration(text, t);
        }
        throw invalid(text, "expected a duration like 30s or 5m, a 5/6-field cron expression, an @alias or calculated");
    }

    private static Schedule duration(String original, String t) throws PgTrickleException {
        Matcher m = DURATION_PART.matcher(t);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                throw invalid(original, "not a duration");
            }
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            });
            end = m.end();
        }
        if (end != t.length() || end == 0) {
            throw invalid(original, "expected a duration like 30s, 5m, 1h30m or 1d");
        }
        if (total.compareTo(Duration.ofMillis(100)) < 0) {
            throw invalid(original, "the shortest schedule is 100ms");
        }
        return new Every(total);
    }

    private static Schedule cron(String original, String expression, CronType type) throws PgTrickleException {
        try {
            Cron cron = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(type)).parse(expression);
            cron.validate();
            return new CronSchedule(original.trim(), cron);
        } catch (IllegalArgumentException e) {
            throw invalid(original, "bad cron expression: " + e.getMessage());
        }
    }

    private static PgTrickleException invalid(String text, String why) {
        return PgTrickleException.invalidParameter("invalid schedule \"" + text + "\": " + why);
    }
}
