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
