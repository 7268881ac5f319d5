package io.pgtrickle.frontend;

import io.pgtrickle.dvm.UnsupportedQueryException;
import io.pgtrickle.sql.Identifiers;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes an expression of PostgreSQL's analysed query back as SQL, the way postgres_fdw's
 * deparser does: every operator, function, type and collation by the OID PostgreSQL resolved
 * (qualified unless it is pg_catalog's and pg_catalog is searched first), every implicit
 * coercion made explicit, constants as the user wrote them with their resolved type. So a
 * rendered expression means exactly what the user's did, wherever it is placed; column
 * references become the generated columns of a {@link Frame}.
 */
final class ExpressionDeparser {

    /** Text that stands in for chosen nodes (subqueries, their parameters) during one rendering. */
    static final class Substitutions {
        final Map<PgNode, String> nodes = new IdentityHashMap<>();
        final Map<Integer, String> params = new java.util.HashMap<>();
        /** Expressions replaced wherever an equal one occurs, except inside aggregate calls. */
        final Map<PgNode, String> expressions = new java.util.LinkedHashMap<>();

        /** These substitutions inside an aggregate's arguments, which see the input rows. */
        Substitutions insideAggregate() {
            if (expressions.isEmpty()) {
                return this;
            }
            Substitutions s = new Substitutions();
            s.nodes.putAll(nodes);
            s.params.putAll(params);
            return s;
        }
    }

    private static final Set<String> TIME_FUNCTIONS = Set.of("now", "statement_timestamp", "transaction_timestamp",
            "clock_timestamp", "timeofday");
    private static final Set<Long> TIME_TYPES = Set.of(1082L, 1083L, 1114L, 1184L, 1266L);
    private static final Set<String> TIME_WORDS = Set.of("'now'", "'today'", "'tomorrow'", "'yesterday'");

    private final PgCatalog catalog;
    private final LiteralText literals;

    ExpressionDeparser(PgCatalog catalog, LiteralText literals) {
        this.catalog = catalog;
        this.literals = literals;
    }

    PgCatalog catalog() {
        return catalog;
    }

    /** A deparser for expressions of another query text (an inlined view's). */
    ExpressionDeparser reading(LiteralText other) {
        return new ExpressionDeparser(catalog, other);
    }

    String render(PgNode expr, Frame frame) throws SQLException, UnsupportedQueryException {
        return render(expr, frame, new Substitutions());
    }

    String render(PgNode expr, Frame frame, Substitutions subs) throws SQLException, UnsupportedQueryException {
        return new Rendering(frame, subs, null).expr(expr);
    }

    /** A sort or group item: the expression, its direction by operator, and NULLS placement. */
    String sortItem(PgNode clause, String expr) throws SQLException {
        PgCatalog.Operator op = catalog.operator(clause.number("sortop"));
        String dir = op.name().equals("<") ? " ASC" : op.name().equals(">") ? " DESC"
                : " USING " + catalog.operatorSyntax(clause.number("sortop"));
        return expr + dir + (clause.bool("nulls_first") ? " NULLS FIRST" : " NULLS LAST");
    }

    private final class Rendering {
        private final Frame frame;
        private final Substitutions subs;
        private final String caseTest;

        Rendering(Frame frame, Substitutions subs, String caseTest) {
            this.frame = frame;
            this.subs = subs;
            this.caseTest = caseTest;
        }

        String expr(PgNode n) throws SQLException, UnsupportedQueryException {
            if (n == null) {
                return "NULL";
            }
            String sub = subs.nodes.get(n);
            if (sub != null) {
                return sub;
            }
            for (Map.Entry<PgNode, String> e : subs.expressions.entrySet()) {
                if (Nodes.sameExpression(n, e.getKey())) {
                    return e.getValue();
                }
            }
            switch (n.type()) {
                case "VAR":
                    return var(n);
                case "CONST":
                    return constant(n);
                case "PARAM": {
                    String p = n.integer("paramkind") == 2 ? subs.params.get(n.integer("paramid")) : null;
                    if (p == null) {
                        throw new UnsupportedQueryException("a query parameter");
                    }
                    return p;
                }
                case "OPEXPR":
                    if (n.number("opfuncid") != 0) {
                        checkTime(n.number("opfuncid"), n.nodes("args").size());
                    }
                    return operator(n.number("opno"), n.nodes("args"));
                case "DISTINCTEXPR":
                    return "(" + expr(n.nodes("args").get(0)) + " IS DISTINCT FROM " + expr(n.nodes("args").get(1)) + ")";
                case "NULLIFEXPR":
                    return "NULLIF(" + list(n.nodes("args")) + ")";
                case "SCALARARRAYOPEXPR":
                    return "(" + expr(n.nodes("args").get(0)) + " " + catalog.operatorSyntax(n.number("opno"))
                            + (n.bool("useOr") ? " ANY (" : " ALL (") + expr(n.nodes("args").get(1)) + "))";
                case "BOOLEXPR":
                    return bool(n);
                case "FUNCEXPR":
                    return function(n);
                case "NAMEDARGEXPR":
                    return Identifiers.quote(n.text("name")) + " => " + expr(n.node("arg"));
                case "AGGREF":
                    return aggregate(n);
                case "WINDOWFUNC":
                    return window(n);
                case "RELABELTYPE":
                    return cast(n.node("arg"), n.number("resulttype"), n.integer("resulttypmod"));
                case "COERCEVIAIO":
                    return cast(n.node("arg"), n.number("resulttype"), -1);
                case "ARRAYCOERCEEXPR":
                case "COERCETODOMAIN":
                    return cast(n.node("arg"), n.number("resulttype"), n.integer("resulttypmod"));
                case "COLLATEEXPR":
                    return "(" + expr(n.node("arg")) + " COLLATE " + catalog.collation(n.number("collOid")) + ")";
                case "CASEEXPR":
                    return caseExpr(n);
                case "CASETESTEXPR":
                    if (caseTest == null) {
                        throw new UnsupportedQueryException("a CASE test value outside CASE");
                    }
                    return caseTest;
                case "ARRAYEXPR": {
                    String a = "ARRAY[" + list(n.nodes("elements")) + "]";
                    return n.nodes("elements").isEmpty() ? "CAST(" + a + " AS "
                            + catalog.type(n.number("array_typeid"), -1) + ")" : a;
                }
                case "ROWEXPR": {
                    String r = "ROW(" + list(n.nodes("args")) + ")";
                    return n.number("row_typeid") == 2249 ? r : "CAST(" + r + " AS "
                            + catalog.type(n.number("row_typeid"), -1) + ")";
                }
                case "ROWCOMPAREEXPR":
                    return "(ROW(" + list(n.nodes("largs")) + ") " + catalog.operatorSyntax(
                            Long.parseLong(n.list("opnos").get(0).toString())) + " ROW(" + list(n.nodes("rargs")) + "))";
                case "COALESCEEXPR":
                    return "COALESCE(" + list(n.nodes("args")) + ")";
                case "MINMAXEXPR":
                    return (n.integer("op") == 0 ? "GREATEST(" : "LEAST(") + list(n.nodes("args")) + ")";
                case "NULLTEST":
                    return "(" + expr(n.node("arg")) + (n.integer("nulltesttype") == 0 ? " IS NULL)" : " IS NOT NULL)");
                case "BOOLEANTEST":
                    return "(" + expr(n.node("arg")) + switch (n.integer("booltesttype")) {
                        case 0 -> " IS TRUE)";
                        case 1 -> " IS NOT TRUE)";
                        case 2 -> " IS FALSE)";
                        case 3 -> " IS NOT FALSE)";
                        case 4 -> " IS UNKNOWN)";
                        default -> " IS NOT UNKNOWN)";
                    };
                case "SQLVALUEFUNCTION":
                    return sqlValueFunction(n);
                case "SUBSCRIPTINGREF":
                    return subscript(n);
                case "FIELDSELECT":
                    return "(" + expr(n.node("arg")) + ")." + Identifiers.quote(catalog.fieldName(
                            Types.of(n.node("arg")), n.integer("fieldnum")));
                case "SUBLINK":
                    throw new UnsupportedQueryException(SubLinks.describe(n) + " inside an expression");
                case "GROUPINGFUNC":
                    throw new UnsupportedQueryException("GROUPING() outside GROUPING SETS");
                default:
                    throw new UnsupportedQueryException("the expression " + n.type());
            }
        }

        private String list(List<PgNode> items) throws SQLException, UnsupportedQueryException {
            List<String> out = new ArrayList<>();
            for (PgNode i : items) {
                out.add(expr(i));
            }
            return String.join(", ", out);
        }

        private String var(PgNode v) throws SQLException, UnsupportedQueryException {
            Frame f = frame.up(v.integer("varlevelsup"));
            int varno = v.integer("varno");
            int attno = v.integer("varattno");
            if (attno <= 0) {
                throw new UnsupportedQueryException(attno == 0 ? "a whole-row reference" : "a system column");
            }
            PgNode rte = f.rte(varno);
            if (rte.integer("rtekind") == 2) { // a join's column: what it stands for
                return new Rendering(f, subs, caseTest).expr(rte.nodes("joinaliasvars").get(attno - 1));
            }
            String col = f.column(varno, attno);
            if (col == null) {
                throw new UnsupportedQueryException("a reference to a FROM item that is not visible here");
            }
            return Identifiers.quote(col);
        }

        private String constant(PgNode c) throws SQLException, UnsupportedQueryException {
            long type = c.number("consttype");
            String typeName = catalog.type(type, c.integer("consttypmod"));
            if (c.bool("constisnull")) {
                return "NULL::" + typeName;
            }
            String lit = literals.at(c.integer("location"));
            if (lit != null && !lit.equalsIgnoreCase("null")) {
                if (TIME_TYPES.contains(type) && TIME_WORDS.contains(lit.toLowerCase(java.util.Locale.ROOT))) {
                    throw new UnsupportedQueryException("the time-dependent literal " + lit + " (its value changes"
                            + " with time alone)");
                }
                if (type == 705) { // unknown: left for the function to resolve, as the user wrote it
                    return lit;
                }
                return (lit.startsWith("-") ? "(" + lit + ")" : lit) + "::" + typeName;
            }
            byte[] bytes = (byte[]) c.get("constvalue");
            if (c.bool("constbyval") && bytes != null) {
                long v = littleEndian(bytes);
                String value = switch ((int) type) {
                    case 16 -> v != 0 ? "true" : "false";
                    case 21 -> String.valueOf((short) v);
                    case 23, 26 -> String.valueOf(type == 26 ? v & 0xffffffffL : (int) v);
                    case 20 -> String.valueOf(v);
                    case 701 -> String.valueOf(Double.longBitsToDouble(v));
                    default -> null;
                };
                if (value != null) {
                    return "'" + value + "'::" + typeName;
                }
            }
            String text = textValue(type, bytes);
            if (text != null) { // a word the grammar turned into a string (EXTRACT's field, for example)
                return Identifiers.literal(text) + "::" + typeName;
            }
            throw new UnsupportedQueryException("a constant of type " + typeName + " that is not in the query text");
        }

        private String operator(long opno, List<PgNode> args) throws SQLException, UnsupportedQueryException {
            String op = catalog.operatorSyntax(opno);
            return args.size() == 1 ? "(" + op + " " + expr(args.get(0)) + ")"
                    : "(" + expr(args.get(0)) + " " + op + " " + expr(args.get(1)) + ")";
        }

        private String bool(PgNode n) throws SQLException, UnsupportedQueryException {
            String op = n.text("boolop");
            List<String> args = new ArrayList<>();
            for (PgNode a : n.nodes("args")) {
                args.add(expr(a));
            }
            return switch (op) {
                case "and" -> "(" + String.join(" AND ", args) + ")";
                case "or" -> "(" + String.join(" OR ", args) + ")";
                default -> "(NOT " + args.get(0) + ")";
            };
        }

        private String function(PgNode n) throws SQLException, UnsupportedQueryException {
            List<PgNode> args = n.nodes("args");
            int format = n.integer("funcformat");
            if (format == 1 || format == 2) { // a cast, explicit or implicit: written as one
                int typmod = args.size() >= 2 && args.get(1).is("CONST") && !args.get(1).bool("constisnull")
                        ? ((int) littleEndian((byte[]) args.get(1).get("constvalue"))) : -1;
                return cast(args.get(0), n.number("funcresulttype"), typmod);
            }
            long oid = n.number("funcid");
            checkTime(oid, args.size());
            List<String> rendered = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String a = expr(args.get(i));
                rendered.add(i == args.size() - 1 && n.bool("funcvariadic") ? "VARIADIC " + a : a);
            }
            return catalog.functionName(oid) + "(" + String.join(", ", rendered) + ")";
        }

        private void checkTime(long funcOid, int nargs) throws SQLException, UnsupportedQueryException {
            PgCatalog.Function fn = catalog.function(funcOid);
            if (fn.schema().equals("pg_catalog") && (TIME_FUNCTIONS.contains(fn.name())
                    || fn.name().equals("age") && nargs == 1)) {
                throw new UnsupportedQueryException("the time-dependent function " + fn.name() + "() (its result"
                        + " changes with time alone)");
            }
            if (fn.volatility() == 'v') {
                throw new UnsupportedQueryException("the volatile function " + fn.name() + "()");
            }
        }

        private String cast(PgNode arg, long type, int typmod) throws SQLException, UnsupportedQueryException {
            return "CAST(" + expr(arg) + " AS " + catalog.type(type, typmod) + ")";
        }

        private String aggregate(PgNode n) throws SQLException, UnsupportedQueryException {
            if (subs.insideAggregate() != subs) {
                return new Rendering(frame, subs.insideAggregate(), caseTest).aggregate(n);
            }
            long oid = n.number("aggfnoid");
            checkTime(oid, 0);
            String name = catalog.functionName(oid);
            String filter = n.has("aggfilter") ? " FILTER (WHERE " + expr(n.node("aggfilter")) + ")" : "";
            if (n.bool("aggstar")) {
                return name + "(*)" + filter;
            }
            List<PgNode> args = n.nodes("args");
            String order = orderBy(n.nodes("aggorder"), args);
            String kind = n.text("aggkind");
            if (!kind.equals("n")) { // ordered-set or hypothetical-set: direct arguments, then WITHIN GROUP
                return name + "(" + list(n.nodes("aggdirectargs")) + ") WITHIN GROUP (" + order.strip() + ")" + filter;
            }
            List<String> rendered = new ArrayList<>();
            List<PgNode> visible = args.stream().filter(te -> !te.bool("resjunk")).toList();
            for (int i = 0; i < visible.size(); i++) {
                String a = expr(visible.get(i).node("expr"));
                rendered.add(i == visible.size() - 1 && n.bool("aggvariadic") ? "VARIADIC " + a : a);
            }
            String distinct = n.list("aggdistinct").isEmpty() ? "" : "DISTINCT ";
            return name + "(" + distinct + String.join(", ", rendered) + order + ")" + filter;
        }

        /** " ORDER BY …" over target entries {@code tes} (an aggregate's arguments), or "". */
        private String orderBy(List<PgNode> clauses, List<PgNode> tes) throws SQLException, UnsupportedQueryException {
            List<String> items = new ArrayList<>();
            for (PgNode sc : clauses) {
                PgNode te = tes.stream().filter(t -> t.number("ressortgroupref") == sc.number("tleSortGroupRef"))
                        .findFirst().orElseThrow();
                items.add(sortItem(sc, expr(te.node("expr"))));
            }
            return items.isEmpty() ? "" : " ORDER BY " + String.join(", ", items);
        }

        private String window(PgNode n) throws SQLException, UnsupportedQueryException {
            long oid = n.number("winfnoid");
            checkTime(oid, 0);
            String call = catalog.functionName(oid) + (n.bool("winstar") ? "(*)" : "(" + list(n.nodes("args")) + ")");
            if (n.has("aggfilter")) {
                call += " FILTER (WHERE " + expr(n.node("aggfilter")) + ")";
            }
            PgNode wc = frame.query.nodes("windowClause").stream()
                    .filter(w -> w.number("winref") == n.number("winref")).findFirst().orElseThrow();
            return call + " OVER (" + windowSpec(wc) + ")";
        }

        String windowSpec(PgNode wc) throws SQLException, UnsupportedQueryException {
            List<String> parts = new ArrayList<>();
            List<String> partition = new ArrayList<>();
            for (PgNode sc : wc.nodes("partitionClause")) {
                partition.add(expr(frame.targetEntry(sc.number("tleSortGroupRef")).node("expr")));
            }
            if (!partition.isEmpty()) {
                parts.add("PARTITION BY " + String.join(", ", partition));
            }
            List<String> order = new ArrayList<>();
            for (PgNode sc : wc.nodes("orderClause")) {
                order.add(sortItem(sc, expr(frame.targetEntry(sc.number("tleSortGroupRef")).node("expr"))));
            }
            if (!order.isEmpty()) {
                parts.add("ORDER BY " + String.join(", ", order));
            }
            String frameClause = frameClause(wc);
            if (!frameClause.isEmpty()) {
                parts.add(frameClause);
            }
            return String.join(" ", parts);
        }

        private String frameClause(PgNode wc) throws SQLException, UnsupportedQueryException {
            int o = wc.integer("frameOptions");
            if ((o & 0x1) == 0) {
                return "";
            }
            String mode = (o & 0x2) != 0 ? "RANGE" : (o & 0x4) != 0 ? "ROWS" : "GROUPS";
            String start = bound(o, wc.node("startOffset"), 0x20, 0x80, 0x200, 0x800, 0x2000);
            String body = (o & 0x10) != 0 ? "BETWEEN " + start + " AND "
                    + bound(o, wc.node("endOffset"), 0x40, 0x100, 0x400, 0x1000, 0x4000) : start;
            String exclude = (o & 0x8000) != 0 ? " EXCLUDE CURRENT ROW" : (o & 0x10000) != 0 ? " EXCLUDE GROUP"
                    : (o & 0x20000) != 0 ? " EXCLUDE TIES" : "";
            return mode + " " + body + exclude;
        }

        private String bound(int o, PgNode offset, int unboundedPreceding, int unboundedFollowing, int current,
                             int offsetPreceding, int offsetFollowing) throws SQLException, UnsupportedQueryException {
            if ((o & unboundedPreceding) != 0) {
                return "UNBOUNDED PRECEDING";
            }
            if ((o & unboundedFollowing) != 0) {
                return "UNBOUNDED FOLLOWING";
            }
            if ((o & current) != 0) {
                return "CURRENT ROW";
            }
            return expr(offset) + ((o & offsetPreceding) != 0 ? " PRECEDING" : " FOLLOWING");
        }

        private String caseExpr(PgNode n) throws SQLException, UnsupportedQueryException {
            // a simple CASE (CASE x WHEN v …) compares a test value; it is written as searched CASE
            Rendering inner = n.has("arg") ? new Rendering(frame, subs, "(" + expr(n.node("arg")) + ")") : this;
            StringBuilder b = new StringBuilder("CASE");
            for (PgNode when : n.nodes("args")) {
                b.append(" WHEN ").append(inner.expr(when.node("expr"))).append(" THEN ").append(expr(when.node("result")));
            }
            if (n.has("defresult")) {
                b.append(" ELSE ").append(expr(n.node("defresult")));
            }
            return b.append(" END").toString();
        }

        private String sqlValueFunction(PgNode n) throws UnsupportedQueryException {
            int op = n.integer("op");
            if (op <= 8) {
                throw new UnsupportedQueryException("the time-dependent " + new String[] {"CURRENT_DATE",
                        "CURRENT_TIME", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP", "LOCALTIME",
                        "LOCALTIME", "LOCALTIMESTAMP", "LOCALTIMESTAMP"}[op] + " (its value changes with time alone)");
            }
            return switch (op) {
                case 9 -> "CURRENT_ROLE";
                case 10 -> "CURRENT_USER";
                case 11 -> "USER";
                case 12 -> "SESSION_USER";
                case 13 -> "CURRENT_CATALOG";
                default -> "CURRENT_SCHEMA";
            };
        }

        private String subscript(PgNode n) throws SQLException, UnsupportedQueryException {
            if (n.has("refassgnexpr")) {
                throw new UnsupportedQueryException("a subscripted assignment");
            }
            StringBuilder b = new StringBuilder("(").append(expr(n.node("refexpr"))).append(")");
            List<Object> upper = n.list("refupperindexpr");
            List<Object> lower = n.list("reflowerindexpr");
            for (int i = 0; i < upper.size(); i++) {
                b.append("[");
                if (!lower.isEmpty()) {
                    if (lower.get(i) != null) {
                        b.append(expr((PgNode) lower.get(i)));
                    }
                    b.append(":");
                }
                if (upper.get(i) != null) {
                    b.append(expr((PgNode) upper.get(i)));
                }
                b.append("]");
            }
            return b.toString();
        }
    }

    /** The value of a text, varchar or bpchar datum (a varlena with a 4-byte header), or null. */
    private static String textValue(long type, byte[] bytes) {
        if ((type != 25 && type != 1043 && type != 1042) || bytes == null || bytes.length < 4 || (bytes[0] & 3) != 0) {
            return null;
        }
        int length = (int) (littleEndian(java.util.Arrays.copyOf(bytes, 4)) >>> 2);
        return length > bytes.length ? null
                : new String(bytes, 4, length - 4, java.nio.charset.StandardCharsets.UTF_8);
    }

    static long littleEndian(byte[] bytes) {
        long v = 0;
        for (int i = Math.min(bytes.length, 8) - 1; i >= 0; i--) {
            v = (v << 8) | (bytes[i] & 0xff);
        }
        return v;
    }
}
