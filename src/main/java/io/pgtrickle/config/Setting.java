package io.pgtrickle.config;

import io.pgtrickle.sql.PgTrickleException;
import java.util.Locale;
import java.util.function.Function;

/**
 * One {@code pg_trickle.*} setting: its name, default, allowed range and documentation.
 * Values come in as text (GUC placeholder, flag or environment) and are validated here.
 */
public final class Setting<T> {

    private final String name;
    private final String defaultText;
    private final String doc;
    private final Function<String, T> parser;

    private Setting(String name, String defaultText, String doc, Function<String, T> parser) {
        this.name = "pg_trickle." + name;
        this.defaultText = defaultText;
        this.doc = doc;
        this.parser = parser;
    }

    public static Setting<Integer> integer(String name, int defaultValue, int min, int max, String doc) {
        return new Setting<>(name, Integer.toString(defaultValue), doc + " Range " + min + ".." + max + ".",
                text -> {
                    int v;
                    try {
                        v = Integer.parseInt(text.trim());
                    } catch (NumberFormatException e) {
                        throw bad("pg_trickle." + name, text, "an integer");
                    }
                    if (v < min || v > max) {
                        throw bad("pg_trickle." + name, text, "between " + min + " and " + max);
                    }
                    return v;
                });
    }

    public static Setting<Double> real(String name, double defaultValue, double min, double max, String doc) {
        return new Setting<>(name, Double.toString(defaultValue), doc + " Range " + min + ".." + max + ".",
                text -> {
                    double v;
                    try {
                        v = Double.parseDouble(text.trim());
                    } catch (NumberFormatException e) {
                        throw bad("pg_trickle." + name, text, "a number");
                    }
                    if (!(v >= min && v <= max)) {
                        throw bad("pg_trickle." + name, text, "between " + min + " and " + max);
                    }
                    return v;
                });
    }

    public static Setting<Boolean> bool(String name, boolean defaultValue, String doc) {
        return new Setting<>(name, defaultValue ? "on" : "off", doc, text -> {
            switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "on", "true", "yes", "1", "t" -> { return true; }
                case "off", "false", "no", "0", "f" -> { return false; }
                default -> throw bad("pg_trickle." + name, text, "a boolean (on/off)");
            }
        });
    }

    public static Setting<String> choice(String name, String defaultValue, String doc, String... allowed) {
        return new Setting<>(name, defaultValue, doc + " One of " + String.join(", ", allowed) + ".", text -> {
            String v = text.trim().toLowerCase(Locale.ROOT);
            for (String a : allowed) {
                if (a.equals(v)) {
                    return a;
                }
            }
            throw bad("pg_trickle." + name, text, "one of " + String.join(", ", allowed));
        });
    }

    public String name() {
        return name;
    }

    public String defaultText() {
        return defaultText;
    }

    public String doc() {
        return doc;
    }

    /** The value from {@code source}, or the default when the setting is unset or empty. */
    public T read(SettingsSource source) {
        String text = source.get(name);
        return parser.apply(text == null || text.isBlank() ? defaultText : text);
    }

    private static IllegalArgumentException bad(String name, String text, String expected) {
        return new InvalidSettingException(name, text, expected);
    }

    /** Unchecked so parsers stay lambdas; converted to SQLSTATE 22023 by {@link SettingsSource}. */
    public static final class InvalidSettingException extends IllegalArgumentException {
        InvalidSettingException(String name, String text, String expected) {
            super("invalid value for parameter \"" + name + "\": \"" + text + "\" (expected " + expected + ")");
        }

        public PgTrickleException toSqlException() {
            return PgTrickleException.invalidParameter(getMessage());
        }
    }
}
