package io.pgtrickle.observability;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.function.Function;

/**
 * Seed QW-4: OpenTelemetry spans of the worker and the refresh. Only the OpenTelemetry API is
 * used here, and nothing is traced until a host {@link #install installs} an
 * {@link OpenTelemetry} (the worker does, from its flags, see {@link WorkerTelemetry}). Until then
 * {@link #start} returns a shared no-op without touching OpenTelemetry at all, so the PL/Java host
 * and the CLI need no SDK and a refresh pays one volatile read per span.
 *
 * <p>Span tree of one worker wake-up:
 * <pre>
 * pgtrickle.scheduler_tick                 plan the tick; ends when its refreshes have finished
 *   pgtrickle.refresh_cycle                one stream table: FULL/DIFFERENTIAL decision, apply, history
 *     pgtrickle.delta_execute              the data statements (stage + MERGE windows, or DELETE + INSERT)
 *       pgtrickle.frontier_advance         the one statement that reads the changes AND advances the
 *                                          frontier (same snapshot, by design): not a separate step
 *     pgtrickle.cleanup                    delete change rows every reader has consumed
 * </pre>
 */
public final class Tracing {

    public static final String SCHEDULER_TICK = "pgtrickle.scheduler_tick";
    public static final String REFRESH_CYCLE = "pgtrickle.refresh_cycle";
    public static final String DELTA_EXECUTE = "pgtrickle.delta_execute";
    public static final String FRONTIER_ADVANCE = "pgtrickle.frontier_advance";
    public static final String CLEANUP = "pgtrickle.cleanup";

    /** Instrumentation scope of every span. */
    public static final String SCOPE = "io.pgtrickle";

    private static volatile Tracer tracer;

    private Tracing() {
    }

    /** Starts tracing through {@code openTelemetry} (null stops it). */
    public static void install(OpenTelemetry openTelemetry) {
        tracer = openTelemetry == null ? null : openTelemetry.getTracer(SCOPE);
    }

    public static void uninstall() {
        tracer = null;
    }

    public static boolean enabled() {
        return tracer != null;
    }

    /** Starts a span, child of the current one, and makes it current until {@link TraceSpan#close()}. */
    public static TraceSpan start(String name) {
        Tracer t = tracer;
        return t == null ? TraceSpan.NOOP : TraceSpan.open(t, name);
    }

    /** {@code task} running under the caller's current span on another thread (itself when off). */
    public static <T, R> Function<T, R> propagate(Function<T, R> task) {
        return tracer == null ? task : Context.current().wrapFunction(task);
    }
}
