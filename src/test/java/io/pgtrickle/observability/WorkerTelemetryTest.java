package io.pgtrickle.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.pgtrickle.observability.TelemetryOptions.Exporter;
import io.pgtrickle.sql.PgTrickleException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The worker's OpenTelemetry configuration: off by default, flags over OTEL_* variables, real OTLP export. */
class WorkerTelemetryTest {

    @Test
    void exportIsOffUnlessConfigured() throws Exception {
        assertEquals(Exporter.NONE, TelemetryOptions.resolve(Map.of(), Map.of()).exporter());
        TelemetryOptions endpointOnly = TelemetryOptions.resolve(Map.of(),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"));
        assertEquals(Exporter.OTLP, endpointOnly.exporter());
        assertEquals("http://collector:4317", endpointOnly.endpoint());
        TelemetryOptions flags = TelemetryOptions.resolve(
                Map.of("otel-traces-exporter", "logging", "otel-service-name", "w1"),
                Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_SERVICE_NAME", "env"));
        assertEquals(Exporter.LOGGING, flags.exporter());
        assertEquals("w1", flags.serviceName());
        assertEquals(Exporter.NONE, TelemetryOptions.resolve(Map.of("otel-traces-exporter", "none"),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")).exporter());
        PgTrickleException bad = assertThrows(PgTrickleException.class,
                () -> TelemetryOptions.resolve(Map.of("otel-traces-exporter", "zipkin"), Map.of()));
        assertEquals("22023", bad.getSQLState());
        try (WorkerTelemetry none = WorkerTelemetry.start(TelemetryOptions.none())) {
            assertFalse(none.enabled());
            assertFalse(Tracing.enabled());
        }
    }

    @Test
    void otlpHttpExportsSpansToTheEndpoint() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        collector.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(body, StandardCharsets.ISO_8859_1));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
        try {
            TelemetryOptions options = TelemetryOptions.resolve(Map.of("otel-protocol", "http/protobuf"),
                    Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort()));
            try (WorkerTelemetry telemetry = WorkerTelemetry.start(options)) {
                assertTrue(telemetry.enabled());
                try (TraceSpan tick = Tracing.start(Tracing.SCHEDULER_TICK)) {
                    tick.attr("pgtrickle.tick.due", 0);
                }
            } // close() flushes the batch
            assertFalse(Tracing.enabled());
            assertEquals(1, received.size(), received.toString());
            String request = received.get(0);
            assertTrue(request.startsWith("POST /v1/traces application/x-protobuf"), request);
            assertTrue(request.contains(Tracing.SCHEDULER_TICK) && request.contains(TelemetryOptions.DEFAULT_SERVICE_NAME),
                    "the span and its service name are in the payload");
        } finally {
            collector.stop(0);
            Tracing.uninstall();
        }
    }
}
