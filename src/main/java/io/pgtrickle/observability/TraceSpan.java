package io.pgtrickle.observability;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * A started span that is current on this thread until {@link #close()}. The shared {@link #NOOP}
 * (tracing off) ignores every call.
 */
public final class TraceSpan implements AutoCloseable {

    static final TraceSpan NOOP = new TraceSpan(null, null);

    private final Span span;
    private Scope scope;

    private TraceSpan(Span span, Scope scope) {
        this.span = span;
        this.scope = scope;
    }

    static TraceSpan open(Tracer tracer, String name) {
        Span span = tracer.spanBuilder(name).startSpan();
        return new TraceSpan(span, span.makeCurrent());
    }

    public TraceSpan attr(String key, String value) {
        if (span != null && value != null) {
            span.setAttribute(key, value);
        }
        return this;
    }

    public TraceSpan attr(String key, long value) {
        if (span != null) {
            span.setAttribute(key, value);
        }
        return this;
    }

    public TraceSpan attr(String key, boolean value) {
        if (span != null) {
            span.setAttribute(key, value);
        }
        return this;
    }

    /** Marks the span failed with {@code error}. */
    public void fail(Throwable error) {
        if (span != null) {
            span.recordException(error);
            span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
        }
    }

    /** Ends the span and makes its parent current again. */
    @Override
    public void close() {
        if (span != null) {
            closeScope();
            span.end();
        }
    }

    /**
     * Makes the parent current again now (call on the opening thread) and ends the span once every
     * one of {@code work} has completed, so the span covers work it handed to other threads.
     */
    public void endWhenDone(Collection<? extends CompletableFuture<?>> work) {
        if (span == null) {
            return;
        }
        closeScope();
        if (work.isEmpty()) {
            span.end();
        } else {
            CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> span.end());
        }
    }

    private void closeScope() {
        if (scope != null) {
            scope.close();
            scope = null;
        }
    }
}
