package io.pgtrickle.scheduler;

import io.pgtrickle.sql.Db;
import io.pgtrickle.sql.PgTrickleException;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which stream tables read which other stream tables, from {@code pgtrickle.pgt_dependencies}
 * (a source whose relid is another stream table's storage). Used by the scheduler to refresh
 * upstream tables first and by create/alter to reject cycles before anything is changed.
 */
public final class DependencyGraph {

    /** Stream table id -> ids of the stream tables it reads (its upstream). */
    private final Map<Long, Set<Long>> upstream;
    private final Map<Long, String> names;

    private DependencyGraph(Map<Long, Set<Long>> upstream, Map<Long, String> names) {
        this.upstream = upstream;
        this.names = names;
    }

    public static DependencyGraph load(Db db) throws SQLException {
        Map<Long, Set<Long>> up = new TreeMap<>();
        Map<Long, String> names = new HashMap<>();
        for (Object[] row : db.query("SELECT pgt_id, quote_ident(pgt_schema) || '.' || quote_ident(pgt_name)"
                + " FROM pgtrickle.pgt_stream_tables", rs -> new Object[] {rs.getLong(1), rs.getString(2)})) {
            up.put((Long) row[0], new LinkedHashSet<>());
            names.put((Long) row[0], (String) row[1]);
        }
        // Matching by relid (not only source_type) also catches dependencies recorded before the
        // source became a stream table's storage.
        for (long[] edge : db.query("SELECT d.pgt_id, src.pgt_id FROM pgtrickle.pgt_dependencies d"
                + " JOIN pgtrickle.pgt_stream_tables src ON src.pgt_relid = d.source_relid"
                + " ORDER BY d.pgt_id, src.pgt_id", rs -> new long[] {rs.getLong(1), rs.getLong(2)})) {
            up.computeIfAbsent(edge[0], k -> new LinkedHashSet<>()).add(edge[1]);
        }
        return new DependencyGraph(up, names);
    }

    /** Builds a graph from explicit edges (id -> upstream ids); for tests and tools. */
    public static DependencyGraph of(Map<Long, ? extends Collection<Long>> edges) {
        Map<Long, Set<Long>> up = new TreeMap<>();
        edges.forEach((k, v) -> {
            up.computeIfAbsent(k, x -> new LinkedHashSet<>()).addAll(v);
            v.forEach(u -> up.computeIfAbsent(u, x -> new LinkedHashSet<>()));
        });
        return new DependencyGraph(up, new HashMap<>());
    }

    public Set<Long> upstreamOf(long id) {
        return upstream.getOrDefault(id, Set.of());
    }

    public String nameOf(long id) {
        return names.getOrDefault(id, "#" + id);
    }

    /**
     * The given ids, upstream before downstream (Kahn's algorithm, ties by id so the order is
     * stable). Edges to ids outside {@code ids} are ignored. Members of a cycle, which create and
     * alter reject, come last in id order rather than being dropped.
     */
    public List<Long> topologicalOrder(Collection<Long> ids) {
        Set<Long> wanted = new HashSet<>(ids);
        Map<Long, Integer> indegree = new TreeMap<>();
        Map<Long, List<Long>> downstream = new HashMap<>();
        for (long id : wanted) {
            indegree.putIfAbsent(id, 0);
            for (long u : upstreamOf(id)) {
                if (wanted.contains(u) && u != id) {
                    indegree.merge(id, 1, Integer::sum);
                    downstream.computeIfAbsent(u, k -> new ArrayList<>()).add(id);
                }
            }
        }
        java.util.PriorityQueue<Long> ready = new java.util.PriorityQueue<>();
        indegree.forEach((id, d) -> {
            if (d == 0) {
                ready.add(id);
            }
        });
        List<Long> out = new ArrayList<>();
        while (!ready.isEmpty()) {
            long id = ready.poll();
            out.add(id);
            for (long d : downstream.getOrDefault(id, List.of())) {
                if (indegree.merge(d, -1, Integer::sum) == 0) {
                    ready.add(d);
                }
            }
        }
        indegree.keySet().stream().filter(id -> !out.contains(id)).sorted().forEach(out::add);
        return out;
    }

    /** A cycle through {@code start} if {@code start} would read {@code newUpstream}: the path, start first. */
    public List<Long> cycleIfReads(long start, Collection<Long> newUpstream) {
        // Depth-first search from each new upstream table, following upstream edges, looking for start.
        Deque<List<Long>> stack = new ArrayDeque<>();
        for (long u : newUpstream) {
            stack.push(List.of(start, u));
        }
        Set<Long> seen = new HashSet<>();
        while (!stack.isEmpty()) {
            List<Long> path = stack.pop();
            long last = path.get(path.size() - 1);
            if (last == start) {
                return path;
            }
            if (!seen.add(last)) {
                continue;
            }
            for (long next : upstreamOf(last)) {
                List<Long> longer = new ArrayList<>(path);
                longer.add(next);
                stack.push(longer);
            }
        }
        return List.of();
    }

    /**
     * Create/alter check, run before anything changes: throws 42P17 naming the cycle if the
     * stream table {@code id} (null for a new one, which nothing can read yet) would read the
     * relations {@code sourceRelids}. A new stream table reading itself is caught by PostgreSQL.
     */
    public static void rejectCycle(Db db, Long id, String displayName, Collection<Long> sourceRelids)
            throws SQLException {
        if (id == null || sourceRelids.isEmpty()) {
            return;
        }
        DependencyGraph g = load(db);
        List<Long> ups = new ArrayList<>();
        for (long relid : sourceRelids) {
            db.queryOne("SELECT pgt_id FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = ?::oid",
                    rs -> rs.getLong(1), relid).ifPresent(ups::add);
        }
        List<Long> cycle = g.cycleIfReads(id, ups);
        if (!cycle.isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < cycle.size(); i++) {
                long n = cycle.get(i);
                path.append(i == 0 ? "" : " -> ").append(i == 0 || i == cycle.size() - 1 ? displayName : g.nameOf(n));
            }
            throw new PgTrickleException(INVALID_OBJECT_DEFINITION_CYCLE, "stream table dependency cycle: " + path
                    + " (each reads the next); a stream table may not read, directly or indirectly, itself");
        }
    }

    /** SQLSTATE 42P17 invalid_object_definition. */
    public static final String INVALID_OBJECT_DEFINITION_CYCLE = "42P17";
}
