package io.pgtrickle.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry SDK of the worker process: built from {@link TelemetryOptions}, installed into
 * {@link Tracing}, flushed and removed on {@link #close()}. Only the worker uses this class; the
 * refresh code sees the API alone.
 */
public final class WorkerTelemetry implements AutoCloseable {

    private final OpenTelemetrySdk sdk;

    private WorkerTelemetry(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
    }

    /** Starts exporting as {@code options} say; with exporter NONE nothing is installed. */
    public static WorkerTelemetry start(TelemetryOptions options) {
        SpanProcessor processor = switch (options.exporter()) {
            case NONE -> null;
            case LOGGING -> SimpleSpanProcessor.create(LoggingSpanExporter.create());
            case OTLP -> BatchSpanProcessor.builder(otlp(options)).build();
        };
        return processor == null ? new WorkerTelemetry(null) : start(processor, options.serviceName());
    }

    /** Starts tracing through {@code processor} (tests pass an in-memory exporter's processor). */
    public static WorkerTelemetry start(SpanProcessor processor, String serviceName) {
        Resource resource = Resource.getDefault().merge(Resource.create(
                Attributes.of(AttributeKey.stringKey("service.name"), serviceName)));
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().setResource(resource).addSpanProcessor(processor).build())
                .build();
        Tracing.install(sdk);
        return new WorkerTelemetry(sdk);
    }

    private static SpanExporter otlp(TelemetryOptions o) {
        if (o.protocol().equals("http/protobuf")) {
            var b = OtlpHttpSpanExporter.builder();
            if (o.endpoint() != null) {
                URI uri = URI.create(o.endpoint());
                String path = uri.getPath();
                // A base endpoint (as in OTEL_EXPORTER_OTLP_ENDPOINT) gets the traces path appended.
                b.setEndpoint(path == null || path.isEmpty() || path.equals("/")
                        ? o.endpoint().replaceAll("/$", "") + "/v1/traces" : o.endpoint());
            }
            return b.build();
        }
        var b = OtlpGrpcSpanExporter.builder();
        if (o.endpoint() != null) {
            b.setEndpoint(o.endpoint());
        }
        return b.build();
    }

    public boolean enabled() {
        return sdk != null;
    }

    /** Exports what is buffered, stops tracing. */
    @Override
    public void close() {
        if (sdk != null) {
            Tracing.uninstall();
            sdk.getSdkTracerProvider().shutdown().join(10, TimeUnit.SECONDS);
        }
    }
}
