package io.pgtrickle.observability;

import static io.pgtrickle.observability.ObsTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.scheduler.Worker;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** QW-4: the worker's spans, captured in memory, and the no-op default. */
class TracingTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void aTickTracesEachRefreshWithItsSteps() throws Exception {
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t VALUES (1, 1)");
        Tx.run(url, p -> {
            p.createStreamTable("diff_st", "SELECT id, v FROM t", "1m", "DIFFERENTIAL", true, null);
            p.createStreamTable("full_st", "SELECT count(*) AS n FROM t", "100ms", "FULL", true, null);
            return null;
        });
        Tx.sql(url, "INSERT INTO t VALUES (2, 2)", "UPDATE pgtrickle.pgt_stream_tables SET last_refresh_at = now() - interval '1 hour'");
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        List<SpanData> spans;
        try (WorkerTelemetry telemetry = WorkerTelemetry.start(SimpleSpanProcessor.create(exporter), "test");
             Worker w = new Worker(Worker.ConnectionFactory.of(url), SettingsSource.of(Map.of("pg_trickle.metrics_port", "0")))) {
            assertTrue(telemetry.enabled() && Tracing.enabled());
            Worker.TickReport report = w.runOneTick();
            assertEquals(2, report.refreshed(), report.toString());
            await(LIMIT, "the tick span to end after its refreshes", () -> exporter.getFinishedSpanItems().stream()
                    .anyMatch(s -> s.getName().equals(Tracing.SCHEDULER_TICK)));
            spans = exporter.getFinishedSpanItems(); // shutting the SDK down clears the exporter
        } finally {
            Tracing.uninstall();
        }
        Map<String, Long> byName = spans.stream().collect(Collectors.groupingBy(SpanData::getName, Collectors.counting()));
        assertEquals(Map.of(Tracing.SCHEDULER_TICK, 1L, Tracing.REFRESH_CYCLE, 2L, Tracing.DELTA_EXECUTE, 2L,
                Tracing.FRONTIER_ADVANCE, 2L, Tracing.CLEANUP, 2L), byName, spans.toString());

        SpanData tick = one(spans, Tracing.SCHEDULER_TICK, null);
        assertEquals(2L, tick.getAttributes().get(AttributeKey.longKey("pgtrickle.tick.due")));
        for (String table : List.of("public.diff_st", "public.full_st")) {
            SpanData cycle = one(spans, Tracing.REFRESH_CYCLE, table);
            assertEquals(tick.getSpanId(), cycle.getParentSpanId(), "refresh_cycle is a child of the tick");
            assertEquals(tick.getTraceId(), cycle.getTraceId());
            SpanData delta = childOf(spans, cycle, Tracing.DELTA_EXECUTE);
            SpanData advance = childOf(spans, delta, Tracing.FRONTIER_ADVANCE);
            childOf(spans, cycle, Tracing.CLEANUP);
            assertEquals(true, advance.getAttributes().get(AttributeKey.booleanKey("pgtrickle.frontier.same_statement_as_delta")));
            boolean full = table.equals("public.full_st");
            assertEquals(full ? "FULL" : "DIFFERENTIAL", cycle.getAttributes().get(AttributeKey.stringKey("pgtrickle.action")));
            assertEquals(full ? "full_insert" : "merge_delta",
                    advance.getAttributes().get(AttributeKey.stringKey("pgtrickle.frontier.statement")));
            assertTrue(cycle.getAttributes().get(AttributeKey.stringKey("pgtrickle.decision")).startsWith(full ? "FULL" : "DIFFERENTIAL"));
        }
    }

    @Test
    void withoutAnSdkNothingIsTracedAndRefreshesWork() throws Exception {
        Tracing.uninstall();
        String url = TestDatabase.freshDatabase();
        Tx.sql(url, "CREATE TABLE t (id int PRIMARY KEY)");
        Tx.run(url, p -> {
            p.createStreamTable("st", "SELECT id FROM t", "1m", "DIFFERENTIAL", true, null);
            return null;
        });
        Tx.sql(url, "INSERT INTO t VALUES (1)");
        assertTrue(!Tracing.enabled());
        try (TraceSpan s = Tracing.start(Tracing.REFRESH_CYCLE)) {
            assertTrue(s == TraceSpan.NOOP);
        }
        Tx.run(url, p -> p.refreshStreamTable("st"));
        assertEquals(1, ObsTestSupport.count(url, "SELECT count(*) FROM st"));
    }

    private static SpanData one(List<SpanData> spans, String name, String table) {
        List<SpanData> found = spans.stream().filter(s -> s.getName().equals(name))
                .filter(s -> table == null || table.equals(s.getAttributes().get(AttributeKey.stringKey("pgtrickle.stream_table"))))
                .toList();
        assertEquals(1, found.size(), name + " " + table + " in " + spans);
        return found.get(0);
    }

    private static SpanData childOf(List<SpanData> spans, SpanData parent, String name) {
        List<SpanData> found = spans.stream()
                .filter(s -> s.getName().equals(name) && s.getParentSpanId().equals(parent.getSpanId())).toList();
        assertEquals(1, found.size(), name + " under " + parent.getName() + " in " + spans);
        assertEquals(parent.getTraceId(), found.get(0).getTraceId());
        return found.get(0);
    }
}
