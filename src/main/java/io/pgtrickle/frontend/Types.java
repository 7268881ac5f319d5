package io.pgtrickle.frontend;

import io.pgtrickle.dvm.UnsupportedQueryException;

/** The result type of an analysed expression, for the node kinds whose type the tree states. */
final class Types {

    private Types() {
    }

    static long of(PgNode n) throws UnsupportedQueryException {
        String field = switch (n.type()) {
            case "VAR" -> "vartype";
            case "CONST" -> "consttype";
            case "FUNCEXPR" -> "funcresulttype";
            case "OPEXPR" -> "opresulttype";
            case "RELABELTYPE", "COERCEVIAIO", "ARRAYCOERCEEXPR", "COERCETODOMAIN", "FIELDSELECT" -> "resulttype";
            case "AGGREF" -> "aggtype";
            case "WINDOWFUNC" -> "wintype";
            case "ROWEXPR" -> "row_typeid";
            case "CASEEXPR" -> "casetype";
            case "COALESCEEXPR" -> "coalescetype";
            case "SUBSCRIPTINGREF" -> "refrestype";
            default -> null;
        };
        if (field == null) {
            throw new UnsupportedQueryException("a field selection from " + n.type());
        }
        return n.number(field);
    }
}
