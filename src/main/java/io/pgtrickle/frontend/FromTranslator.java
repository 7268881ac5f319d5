package io.pgtrickle.frontend;

import io.pgtrickle.dvm.SourceTable;
import io.pgtrickle.dvm.UnsupportedQueryException;
import io.pgtrickle.dvm.operators.CrossJoinOperator;
import io.pgtrickle.dvm.operators.CteOperator;
import io.pgtrickle.dvm.operators.DeltaOperator;
import io.pgtrickle.dvm.operators.FilterOperator;
import io.pgtrickle.dvm.operators.FullJoinOperator;
import io.pgtrickle.dvm.operators.InnerJoinOperator;
import io.pgtrickle.dvm.operators.LateralFunctionOperator;
import io.pgtrickle.dvm.operators.LeftJoinOperator;
import io.pgtrickle.dvm.operators.ProjectOperator;
import io.pgtrickle.dvm.operators.RightJoinOperator;
import io.pgtrickle.dvm.operators.ScanOperator;
import io.pgtrickle.dvm.operators.StreamTableScanOperator;
import io.pgtrickle.sql.Identifiers;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * FROM clauses of an analysed query: base tables, stream tables, CTE references, derived
 * tables, joins (their USING / NATURAL conditions already built by PostgreSQL) and
 * set-returning functions to the right of a table. Each FROM item's columns are renamed to
 * "alias.column", unique in the translation, and bound in the query level's {@link Frame}.
 */
final class FromTranslator {

    private static final int RTE_RELATION = 0;
    private static final int RTE_SUBQUERY = 1;
    private static final int RTE_FUNCTION = 3;
    private static final int RTE_VALUES = 5;
    static final int RTE_CTE = 6;

    private final QueryTranslator q;

    FromTranslator(QueryTranslator q) {
        this.q = q;
    }

    /**
     * The FROM list: a cross join of its items; set-returning functions and LATERAL subqueries,
     * which may use the columns of items before them, are applied after the tables.
     */
    Relation fromList(Frame frame, List<PgNode> items) throws SQLException, UnsupportedQueryException {
        List<PgNode> tables = new ArrayList<>();
        List<PgNode> laterals = new ArrayList<>();
        for (PgNode item : items) {
            (isLateral(frame, item) ? laterals : tables).add(item);
        }
        if (tables.isEmpty()) {
            throw new UnsupportedQueryException("a FROM clause that reads no table");
        }
        Relation rel = null;
        for (PgNode item : tables) {
            Relation r = item(frame, item);
            rel = rel == null ? r : new Relation(new CrossJoinOperator(rel.op(), r.op()), concat(rel, r));
        }
        for (PgNode item : laterals) {
            rel = lateral(frame, rel, item.integer("rtindex"));
        }
        return rel;
    }

    /** A set-returning function or a LATERAL subquery: evaluated for each row of what precedes it. */
    private static boolean isLateral(Frame frame, PgNode item) {
        if (!item.is("RANGETBLREF")) {
            return false;
        }
        PgNode rte = frame.rte(item.integer("rtindex"));
        return rte.integer("rtekind") == RTE_FUNCTION || rte.integer("rtekind") == RTE_SUBQUERY && rte.bool("lateral");
    }

    private Relation lateral(Frame frame, Relation left, int rtindex) throws SQLException, UnsupportedQueryException {
        return frame.rte(rtindex).integer("rtekind") == RTE_FUNCTION ? function(frame, left, rtindex)
                : lateralSubquery(frame, left, rtindex);
    }

    /**
     * {@code left, LATERAL (subquery) AS a(c…)}: the subquery unnested into a join
     * ({@link Decorrelator}), its outputs computed over the joined rows.
     */
    private Relation lateralSubquery(Frame frame, Relation left, int rtindex)
            throws SQLException, UnsupportedQueryException {
        PgNode rte = frame.rte(rtindex);
        Decorrelator.Unnested u = new Decorrelator(q).unnest(frame, rte.node("subquery"), "__pgt_lat");
        DeltaOperator join = u.leftJoin() ? new LeftJoinOperator(left.op(), u.relation().op(), u.condition())
                : new InnerJoinOperator(left.op(), u.relation().op(), u.condition());
        String a = q.alias(rte.node("eref").text("aliasname"));
        List<String> names = strings(rte.node("eref").list("colnames"));
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (String c : left.columns()) {
            items.add(new ProjectOperator.Item(Identifiers.quote(c), c));
        }
        List<String> bound = new ArrayList<>();
        for (int i = 0; i < u.outputs().size(); i++) {
            String column = QueryTranslator.column(a, names.get(i));
            bound.add(column);
            items.add(new ProjectOperator.Item(u.outputs().get(i), column));
        }
        frame.bind(rtindex, bound);
        List<String> all = new ArrayList<>(left.columns());
        all.addAll(bound);
        return new Relation(new ProjectOperator(join, "__pgt_l", items), all);
    }

    private Relation item(Frame frame, PgNode item) throws SQLException, UnsupportedQueryException {
        if (item.is("JOINEXPR")) {
            return join(frame, item);
        }
        int rtindex = item.integer("rtindex");
        PgNode rte = frame.rte(rtindex);
        String alias = rte.node("eref").text("aliasname");
        List<String> visible = strings(rte.node("eref").list("colnames"));
        switch (rte.integer("rtekind")) {
            case RTE_RELATION:
                return relation(frame, rtindex, rte, alias, visible);
            case RTE_SUBQUERY: {
                if (rte.bool("lateral")) { // first in its FROM list: nothing to be lateral to
                    throw new UnsupportedQueryException("a LATERAL subquery with no table before it");
                }
                Relation sub = q.query(rte.node("subquery"), null, null);
                return rename(frame, rtindex, sub.op(), sub.columns(), alias, visible);
            }
            case RTE_CTE: {
                if (rte.bool("self_reference")) {
                    RecursiveCtes.Reference self = q.recursiveReference;
                    if (self == null) {
                        throw new UnsupportedQueryException(RecursiveCtes.ELSEWHERE);
                    }
                    return rename(frame, rtindex, self.op(), self.columns(), alias, visible);
                }
                PgNode cte = cte(frame, rte);
                if (cte.bool("cterecursive")) {
                    throw new UnsupportedQueryException(RecursiveCtes.ELSEWHERE);
                }
                Relation body = q.query(cte.node("ctequery"), null, null);
                DeltaOperator op = new CteOperator(body.op(), rte.text("ctename"), body.columns());
                return rename(frame, rtindex, op, body.columns(), alias, visible);
            }
            case RTE_VALUES:
                throw new UnsupportedQueryException("VALUES in FROM");
            default:
                throw new UnsupportedQueryException("a FROM item of kind " + rte.integer("rtekind"));
        }
    }

    private static PgNode cte(Frame frame, PgNode rte) throws UnsupportedQueryException {
        Frame owner = frame.up(rte.integer("ctelevelsup"));
        for (PgNode c : owner.query.nodes("cteList")) {
            if (c.text("ctename").equals(rte.text("ctename"))) {
                return c;
            }
        }
        throw new IllegalStateException("CTE " + rte.text("ctename") + " not found");
    }

    private Relation relation(Frame frame, int rtindex, PgNode rte, String alias, List<String> visible)
            throws SQLException, UnsupportedQueryException {
        long oid = rte.number("relid");
        String relkind = rte.text("relkind");
        SourceTable source = q.resolver.byOid(oid);
        if (relkind.equals("v")) {
            return view(frame, rtindex, oid, alias, visible);
        }
        if (!source.isStreamTable() && !source.isCapturable()) {
            throw new UnsupportedQueryException("source " + source.name().display() + " that is not an ordinary"
                    + " table (materialized views and foreign tables have no change capture)");
        }
        if (!rte.bool("inh") && q.deparser.catalog().hasChildren(oid)) {
            throw new UnsupportedQueryException("FROM ONLY " + source.name().display() + " (a table with children)");
        }
        q.sources.add(source);
        DeltaOperator op = source.isStreamTable() ? new StreamTableScanOperator(source) : new ScanOperator(source);
        List<String> readable = source.isStreamTable() ? StreamTableScanOperator.visibleColumns(source)
                : source.columnNames();
        // eref lists every attribute by number, dropped ones as ""; the source's columns skip those
        List<String> real = new ArrayList<>();
        List<String> shown = new ArrayList<>();
        List<String> bound = new ArrayList<>();
        int k = 0;
        String a = q.alias(alias);
        for (String name : visible) {
            if (name.isEmpty()) {
                bound.add(null);
                continue;
            }
            String column = source.columns().get(k++).name();
            if (!readable.contains(column)) {
                bound.add(null);
                continue;
            }
            real.add(column);
            shown.add(QueryTranslator.column(a, name));
            bound.add(shown.get(shown.size() - 1));
        }
        frame.bind(rtindex, bound);
        List<ProjectOperator.Item> items = new ArrayList<>();
        for (int i = 0; i < real.size(); i++) {
            items.add(new ProjectOperator.Item(Identifiers.quote(real.get(i)), shown.get(i)));
        }
        return new Relation(new ProjectOperator(op, "__pgt_r", items), shown);
    }

    /**
     * A view, inlined: its query (as PostgreSQL prints and re-analyses it) translated like a
     * derived table, so the tables it reads are captured. The refresh reads them with the stream
     * table owner's privileges, which create checks by planning the generated SQL as that role.
     */
    private Relation view(Frame frame, int rtindex, long oid, String alias, List<String> visible)
            throws SQLException, UnsupportedQueryException {
        QueryTranslator.View view = q.views.read(oid);
        Relation body = q.reading(view.literals()).query(view.query(), null, null);
        return rename(frame, rtindex, body.op(), body.columns(), alias, visible);
    }

    /** A relation as range-table entry {@code rtindex}: renamed to "alias.name" and bound. */
    private Relation rename(Frame frame, int rtindex, DeltaOperator op, List<String> columns, String alias,
                            List<String> visible) {
        Relation item = q.asItem(new Relation(op, columns), alias, visible);
        frame.bind(rtindex, item.columns());
        return item;
    }

    private Relation join(Frame frame, PgNode join) throws SQLException, UnsupportedQueryException {
        int type = join.integer("jointype");
        PgNode quals = join.node("quals");
        PgNode rarg = join.node("rarg");
        Relation l = item(frame, join.node("larg"));
        if (type == 0 && isLateral(frame, rarg)) {
            Relation withFn = lateral(frame, l, rarg.integer("rtindex"));
            return quals == null ? withFn : new Relation(new FilterOperator(withFn.op(), "__pgt_q",
                    q.deparser.render(quals, frame)), withFn.columns());
        }
        if (isLateral(frame, rarg)) {
            throw new UnsupportedQueryException("an outer join to a set-returning function or LATERAL subquery");
        }
        Relation r = item(frame, rarg);
        List<String> columns = concat(l, r);
        if (type == 0 && quals == null) {
            return new Relation(new CrossJoinOperator(l.op(), r.op()), columns);
        }
        String cond = q.deparser.render(quals, frame);
        DeltaOperator op = switch (type) {
            case 0 -> new InnerJoinOperator(l.op(), r.op(), cond);
            case 1 -> new LeftJoinOperator(l.op(), r.op(), cond);
            case 2 -> new FullJoinOperator(l.op(), r.op(), cond);
            case 3 -> new RightJoinOperator(l.op(), r.op(), cond);
            default -> throw new UnsupportedQueryException("a join of kind " + type);
        };
        return new Relation(op, columns);
    }

    /**
     * {@code left, f(…) AS a(c…)}: a set-returning function (or ROWS FROM of several, WITH
     * ORDINALITY) evaluated for each row of {@code left}; its arguments may use left's columns.
     */
    private Relation function(Frame frame, Relation left, int rtindex) throws SQLException, UnsupportedQueryException {
        PgNode rte = frame.rte(rtindex);
        List<String> calls = new ArrayList<>();
        for (PgNode f : rte.nodes("functions")) {
            if (!f.list("funccolnames").isEmpty()) {
                throw new UnsupportedQueryException("a function in FROM with a column definition list");
            }
            calls.add(q.deparser.render(f.node("funcexpr"), frame));
        }
        String call = calls.size() == 1 ? calls.get(0) : "ROWS FROM (" + String.join(", ", calls) + ")";
        if (rte.bool("funcordinality")) {
            call += " WITH ORDINALITY";
        }
        String a = q.alias(rte.node("eref").text("aliasname"));
        List<String> cols = new ArrayList<>();
        for (String name : strings(rte.node("eref").list("colnames"))) {
            cols.add(QueryTranslator.column(a, name));
        }
        frame.bind(rtindex, cols);
        List<String> all = new ArrayList<>(left.columns());
        all.addAll(cols);
        return new Relation(new LateralFunctionOperator(left.op(), call, cols), all);
    }

    private static List<String> concat(Relation l, Relation r) {
        List<String> all = new ArrayList<>(l.columns());
        all.addAll(r.columns());
        return all;
    }

    static List<String> strings(List<Object> values) {
        return values.stream().map(v -> v == null ? "" : v.toString()).toList();
    }
}
