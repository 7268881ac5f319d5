package io.pgtrickle.frontend;

import java.util.ArrayList;
import java.util.List;

/** Searches over analysed trees that several translation steps share. */
final class Nodes {

    private Nodes() {
    }

    /**
     * The nodes of {@code type} in {@code tree}, outermost first; it does not look inside a match
     * or inside a subquery ({@code QUERY}), whose nodes belong to another query level.
     */
    static List<PgNode> find(Object tree, String type) {
        List<PgNode> out = new ArrayList<>();
        find(tree, type, out);
        return out;
    }

    private static void find(Object node, String type, List<PgNode> out) {
        if (node instanceof PgNode n) {
            if (n.is(type)) {
                out.add(n);
                return;
            }
            if (n.is("QUERY")) {
                return;
            }
            for (Object v : n.fields().values()) {
                find(v, type, out);
            }
        } else if (node instanceof List<?> list) {
            for (Object v : list) {
                find(v, type, out);
            }
        }
    }

    /** The conjuncts of a qualification ({@code a AND b AND c}: a, b, c). */
    static List<PgNode> conjuncts(PgNode quals) {
        List<PgNode> out = new ArrayList<>();
        if (quals != null) {
            conjuncts(quals, out);
        }
        return out;
    }

    private static void conjuncts(PgNode node, List<PgNode> out) {
        if (node.is("BOOLEXPR") && node.text("boolop").equals("and")) {
            for (PgNode n : node.nodes("args")) {
                conjuncts(n, out);
            }
        } else {
            out.add(node);
        }
    }

    /** Whether two expressions are the same but for where they were written (their locations). */
    static boolean sameExpression(Object a, Object b) {
        if (a instanceof PgNode x && b instanceof PgNode y) {
            if (!x.type().equals(y.type()) || !x.fields().keySet().equals(y.fields().keySet())) {
                return false;
            }
            for (String f : x.fields().keySet()) {
                if (!f.equals("location") && !sameExpression(x.get(f), y.get(f))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!sameExpression(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof byte[] x && b instanceof byte[] y) {
            return java.util.Arrays.equals(x, y);
        }
        return java.util.Objects.equals(a, b);
    }
}
