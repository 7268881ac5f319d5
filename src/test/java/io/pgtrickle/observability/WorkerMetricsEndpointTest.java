package io.pgtrickle.observability;

import static io.pgtrickle.observability.ObsTestSupport.await;
import static io.pgtrickle.observability.ObsTestSupport.count;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgtrickle.config.SettingsSource;
import io.pgtrickle.scheduler.Worker;
import io.pgtrickle.support.TestDatabase;
import io.pgtrickle.support.Tx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The worker's /metrics, scraped over HTTP from an in-process worker running its own loop, and the
 * Grafana dashboard checked against that scrape.
 */
class WorkerMetricsEndpointTest {

    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Path DASHBOARD = Path.of("monitoring", "grafana", "pg_trickle.json");
    private static final Pattern METRIC = Pattern.compile("\\bpg_trickle_[a-z0-9_]+");

    @Test
    void metricsEndpointServesTheCommitToVisibleHistogramPerStreamTable() throws Exception {
        String scrape = runWorkerAndScrape();
        assertTrue(scrape.contains("# TYPE pg_trickle_commit_to_visible_ms histogram"), scrape);
        for (String table : List.of("public.orders_st", "public.big_orders")) {
            String labels = "stream_table=\"" + table + "\"";
            assertTrue(sample(scrape, "pg_trickle_commit_to_visible_ms_bucket", labels, "le=\"+Inf\"") >= 3, scrape);
            assertTrue(sample(scrape, "pg_trickle_commit_to_visible_ms_bucket", labels, "le=\"3600000.0\"") >= 3, scrape);
            assertTrue(sample(scrape, "pg_trickle_commit_to_visible_ms_count", labels) >= 3, scrape);
            assertTrue(sample(scrape, "pg_trickle_commit_to_visible_ms_sum", labels) > 0, scrape);
            assertTrue(sample(scrape, "pg_trickle_refreshes_total", labels, "action=\"DIFFERENTIAL\"") >= 1, scrape);
            assertEquals(0.0, sample(scrape, "pg_trickle_refresh_errors_total", labels), scrape);
        }
        assertEquals(2.0, sample(scrape, "pg_trickle_stream_tables", "status=\"ACTIVE\""), scrape);
        assertEquals(0.0, sample(scrape, "pg_trickle_stream_tables", "status=\"SUSPENDED\""), scrape);
        assertEquals(0.0, sample(scrape, "pg_trickle_suspended_tables"), scrape);
        assertEquals(2.0, sample(scrape, "pg_trickle_worker_pool_size"), scrape);
        assertTrue(sample(scrape, "pg_trickle_scheduler_ticks_total") >= 3, scrape);
        assertTrue(sample(scrape, "pg_trickle_refresh_duration_seconds_count", "stream_table=\"public.orders_st\"",
                "action=\"DIFFERENTIAL\"") >= 1, scrape);
        assertTrue(sample(scrape, "pg_trickle_stream_table_staleness_seconds", "stream_table=\"public.orders_st\"") >= 0,
                scrape);
        assertTrue(sample(scrape, "pg_trickle_wal_slot_lag_bytes") >= 0, scrape);
    }

    @Test
    void everyGrafanaPanelQueriesAMetricTheWorkerExports() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        List<JsonNode> panels = new ArrayList<>();
        collectPanels(dashboard.path("panels"), panels);
        assertTrue(panels.size() >= 6, "dashboard has panels");
        Set<String> used = new TreeSet<>();
        for (JsonNode panel : panels) {
            List<String> exprs = new ArrayList<>();
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    exprs.add(target.get("expr").asText());
                }
            }
            assertFalse(exprs.isEmpty(), "panel \"" + panel.path("title").asText() + "\" has a PromQL query");
            for (String expr : exprs) {
                Matcher m = METRIC.matcher(expr);
                boolean any = false;
                while (m.find()) {
                    used.add(m.group());
                    any = true;
                }
                assertTrue(any, "panel \"" + panel.path("title").asText() + "\" queries a pg_trickle metric: " + expr);
            }
        }
        assertTrue(used.contains("pg_trickle_commit_to_visible_ms_bucket"), used.toString());
        String scrape = runWorkerAndScrape();
        for (String name : used) {
            assertTrue(Pattern.compile("(?m)^" + name + "[{ ]").matcher(scrape).find(),
                    "dashboard metric " + name + " is not in the worker's /metrics:\n" + scrape);
        }
    }

    private static void collectPanels(JsonNode panels, List<JsonNode> out) {
        for (JsonNode p : panels) {
            if ("row".equals(p.path("type").asText())) {
                collectPanels(p.path("panels"), out);
            } else {
                out.add(p);
            }
        }
    }

    /**
     * A worker on its own loop refreshes two stream tables after several writer transactions; returns
     * /metrics. Their source is captured from the WAL, so the slot's gauges are there too.
     */
    private static String runWorkerAndScrape() throws Exception {
        String url = TestDatabase.freshWalDatabase();
        Tx.sql(url, "CREATE TABLE orders (id int PRIMARY KEY, amount int)",
                "INSERT INTO orders SELECT g, g FROM generate_series(1, 10) g");
        Tx.run(url, p -> {
            p.createStreamTable("orders_st", "SELECT id, amount FROM orders", "100ms", "DIFFERENTIAL", true, null);
            p.createStreamTable("big_orders", "SELECT id FROM orders WHERE amount > 5", "100ms", "DIFFERENTIAL", true, null);
            return null;
        });
        int port = ObsTestSupport.freePort();
        try (Worker w = new Worker(Worker.ConnectionFactory.of(url), SettingsSource.of(Map.of(
                "pg_trickle.scheduler_interval_ms", "50", "pg_trickle.metrics_port", Integer.toString(port))))) {
            w.start();
            for (int i = 0; i < 3; i++) {
                Tx.sql(url, "INSERT INTO orders VALUES (" + (100 + i) + ", 1000)");
                int writes = i + 1;
                await(LIMIT, "write " + writes + " to be measured", () -> count(url,
                        "SELECT count(*) FROM pgtrickle.pgt_stream_tables st WHERE (SELECT coalesce(sum(samples), 0)"
                                + " FROM pgtrickle.pgt_commit_latency l WHERE l.pgt_id = st.pgt_id) >= " + writes) == 2);
            }
            await(LIMIT, "/metrics to be served", () -> w.metricsPort() == port);
            String[] last = {""};
            await(LIMIT, "the histogram to count every write", () -> {
                last[0] = get(port);
                return sample(last[0], "pg_trickle_commit_to_visible_ms_count", "stream_table=\"public.orders_st\"") >= 3
                        && sample(last[0], "pg_trickle_commit_to_visible_ms_count", "stream_table=\"public.big_orders\"") >= 3;
            });
            return last[0];
        }
    }

    private static String get(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    /** The value of the first sample {@code name{...}} that has every one of {@code labels}, or -1. */
    private static double sample(String scrape, String name, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)\\})? (\\S+)$").matcher(scrape);
        while (m.find()) {
            List<String> have = m.group(1) == null ? List.of() : List.of(m.group(1).split(","));
            if (have.containsAll(List.of(labels))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }
}
