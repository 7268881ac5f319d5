package io.pgtrickle.frontend;

import io.pgtrickle.dvm.UnsupportedQueryException;

/** The result type of an analysed expression, for the node kinds whose type the tree states. */
final class Types {

    private static final long BOOL = 16;

    private Types() {
    }

    static long of(PgNode n) throws UnsupportedQueryException {
        Long t = find(n);
        if (t == null) {
            throw new UnsupportedQueryException("a field selection from " + n.type());
        }
        return t;
    }

    private static final long INT8 = 20;
    private static final long INT2 = 21;
    private static final long INT4 = 23;
    private static final long NUMERIC = 1700;

    /**
     * Whether every value of {@code n} has the same numeric scale: an integer, or a numeric whose
     * type modifier fixes its scale (a {@code numeric(p,s)} column, or such a column relabelled). Other
     * expressions (arithmetic, casts through functions) are not known to.
     */
    static boolean fixedScale(PgNode n) {
        Long type = find(n);
        if (type == null) {
            return false;
        }
        if (type == INT2 || type == INT4 || type == INT8) {
            return true;
        }
        if (type != NUMERIC) {
            return false;
        }
        String typmod = switch (n.type()) {
            case "VAR" -> "vartypmod";
            case "RELABELTYPE", "COERCETODOMAIN" -> "resulttypmod";
            default -> null;
        };
        return typmod != null && n.number(typmod) >= 0;
    }

    /** The type OID, or null when this node kind does not state it. */
    static Long find(PgNode n) {
        String field = switch (n.type()) {
            case "VAR" -> "vartype";
            case "CONST" -> "consttype";
            case "FUNCEXPR" -> "funcresulttype";
            case "OPEXPR", "NULLIFEXPR" -> "opresulttype";
            case "RELABELTYPE", "COERCEVIAIO", "ARRAYCOERCEEXPR", "COERCETODOMAIN", "FIELDSELECT" -> "resulttype";
            case "AGGREF" -> "aggtype";
            case "WINDOWFUNC" -> "wintype";
            case "ROWEXPR" -> "row_typeid";
            case "ARRAYEXPR" -> "array_typeid";
            case "CASEEXPR" -> "casetype";
            case "COALESCEEXPR" -> "coalescetype";
            case "MINMAXEXPR" -> "minmaxtype";
            case "SUBSCRIPTINGREF" -> "refrestype";
            case "SQLVALUEFUNCTION" -> "type";
            default -> null;
        };
        if (field != null) {
            return n.number(field);
        }
        return switch (n.type()) {
            case "BOOLEXPR", "NULLTEST", "BOOLEANTEST", "SCALARARRAYOPEXPR", "DISTINCTEXPR", "ROWCOMPAREEXPR" -> BOOL;
            case "COLLATEEXPR" -> find(n.node("arg"));
            default -> null;
        };
    }
}
