package io.pgtrickle.observability;

import io.pgtrickle.sql.PgTrickleException;
import java.util.Locale;
import java.util.Map;

/**
 * How the worker exports OpenTelemetry spans. Off unless configured: flags
 * {@code --otel-traces-exporter=none|logging|otlp}, {@code --otel-endpoint=URL},
 * {@code --otel-protocol=grpc|http/protobuf}, {@code --otel-service-name=NAME}; else the standard
 * variables {@code OTEL_TRACES_EXPORTER}, {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} /
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_TRACES_PROTOCOL} /
 * {@code OTEL_EXPORTER_OTLP_PROTOCOL}, {@code OTEL_SERVICE_NAME}. Naming an endpoint without an
 * exporter means {@code otlp}; with neither, nothing is exported.
 */
public record TelemetryOptions(Exporter exporter, String endpoint, String protocol, String serviceName) {

    public enum Exporter { NONE, LOGGING, OTLP }

    public static final String DEFAULT_SERVICE_NAME = "pg_trickle-worker";

    public static TelemetryOptions none() {
        return new TelemetryOptions(Exporter.NONE, null, "grpc", DEFAULT_SERVICE_NAME);
    }

    /**
     * Resolves flags (by flag name without {@code --}, e.g. {@code otel-endpoint}) over environment.
     * Bad values throw SQLSTATE 22023.
     */
    public static TelemetryOptions resolve(Map<String, String> flags, Map<String, String> env) throws PgTrickleException {
        String endpoint = first(flags.get("otel-endpoint"), env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
                env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
        String exporterText = first(flags.get("otel-traces-exporter"), env.get("OTEL_TRACES_EXPORTER"),
                endpoint != null ? "otlp" : "none");
        Exporter exporter = switch (exporterText.trim().toLowerCase(Locale.ROOT)) {
            case "none", "" -> Exporter.NONE;
            case "logging", "console" -> Exporter.LOGGING;
            case "otlp" -> Exporter.OTLP;
            default -> throw PgTrickleException.invalidParameter("unknown OpenTelemetry traces exporter \""
                    + exporterText + "\": expected none, logging or otlp");
        };
        String protocol = first(flags.get("otel-protocol"), env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
                env.get("OTEL_EXPORTER_OTLP_PROTOCOL"), "grpc").trim().toLowerCase(Locale.ROOT);
        if (!protocol.equals("grpc") && !protocol.equals("http/protobuf")) {
            throw PgTrickleException.invalidParameter("unknown OTLP protocol \"" + protocol
                    + "\": expected grpc or http/protobuf");
        }
        String service = first(flags.get("otel-service-name"), env.get("OTEL_SERVICE_NAME"), DEFAULT_SERVICE_NAME);
        return new TelemetryOptions(exporter, endpoint, protocol, service);
    }

    /** Flag names this record reads, for the worker's usage text. */
    public static String usage() {
        return "  --otel-traces-exporter=none|logging|otlp   OpenTelemetry spans (env OTEL_TRACES_EXPORTER; default none,"
                + " or otlp when an endpoint is set)\n"
                + "  --otel-endpoint=<url>   OTLP endpoint (env OTEL_EXPORTER_OTLP_ENDPOINT; default"
                + " http://localhost:4317 for grpc, http://localhost:4318 for http/protobuf)\n"
                + "  --otel-protocol=grpc|http/protobuf   (env OTEL_EXPORTER_OTLP_PROTOCOL, default grpc)\n"
                + "  --otel-service-name=<name>   service.name of the spans (env OTEL_SERVICE_NAME, default "
                + DEFAULT_SERVICE_NAME + ")\n";
    }

    private static String first(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }
}
