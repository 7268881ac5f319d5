package io.pgtrickle.frontend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the text form of a node tree ({@code pg_node_tree}, PostgreSQL's {@code nodeToString}):
 * {@code {TYPE :field value …}} nodes, {@code ( … )} lists, {@code (i …)}/{@code (o …)}/{@code (b …)}
 * integer, OID and bitmap lists, {@code "…"} strings, {@code n [ b … ]} datums and {@code <>} for
 * NULL. Tokens follow PostgreSQL's {@code pg_strtok}: whitespace separates them, parentheses and
 * braces stand alone, a backslash makes the next character ordinary.
 */
public final class NodeTreeReader {

    private final String s;
    private int pos;

    private NodeTreeReader(String s) {
        this.s = s;
    }

    /** The tree printed in {@code text} (a node, or a list of nodes). */
    public static Object read(String text) {
        NodeTreeReader r = new NodeTreeReader(text);
        Object value = r.value(r.token());
        if (r.token() != null) {
            throw new IllegalArgumentException("trailing text in node tree at " + r.pos);
        }
        return value;
    }

    private record Token(String text, boolean escaped) {
        boolean is(String t) {
            return !escaped && text.equals(t);
        }
    }

    private Token token() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
        if (pos >= s.length()) {
            return null;
        }
        char c = s.charAt(pos);
        if (c == '(' || c == ')' || c == '{' || c == '}') {
            pos++;
            return new Token(String.valueOf(c), false);
        }
        StringBuilder b = new StringBuilder();
        boolean escaped = c == '\\';
        while (pos < s.length()) {
            c = s.charAt(pos);
            if (Character.isWhitespace(c) || c == '(' || c == ')' || c == '{' || c == '}') {
                break;
            }
            if (c == '\\' && pos + 1 < s.length()) {
                pos++;
                c = s.charAt(pos);
            }
            b.append(c);
            pos++;
        }
        return new Token(b.toString(), escaped);
    }

    private Token peek() {
        int saved = pos;
        Token t = token();
        pos = saved;
        return t;
    }

    private Object value(Token t) {
        if (t == null) {
            throw new IllegalArgumentException("unexpected end of node tree");
        }
        if (t.is("{")) {
            return node();
        }
        if (t.is("(")) {
            return list();
        }
        if (t.is("<>")) {
            return null;
        }
        if (!t.escaped() && t.text().length() >= 2 && t.text().startsWith("\"") && t.text().endsWith("\"")) {
            return t.text().substring(1, t.text().length() - 1);
        }
        Token next = peek();
        if (next != null && next.is("[")) { // a datum: its length, then its bytes
            token();
            List<Byte> bytes = new ArrayList<>();
            for (Token b = token(); !b.is("]"); b = token()) {
                bytes.add((byte) Integer.parseInt(b.text()));
            }
            byte[] out = new byte[bytes.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = bytes.get(i);
            }
            return out;
        }
        return t.text();
    }

    private PgNode node() {
        String type = token().text();
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Token t = token(); !t.is("}"); t = token()) {
            if (!t.text().startsWith(":")) {
                throw new IllegalArgumentException("expected a field name in " + type + " at " + pos);
            }
            String name = t.text().substring(1);
            Token v = peek();
            // a field whose value is empty is followed directly by the next field or the node's end
            if (v.is("}") || !v.escaped() && v.text().startsWith(":")) {
                fields.put(name, "");
                continue;
            }
            fields.put(name, value(token()));
        }
        return new PgNode(type, fields);
    }

    private List<Object> list() {
        List<Object> out = new ArrayList<>();
        Token first = token();
        if (first.is(")")) {
            return out;
        }
        boolean numbers = first.is("i") || first.is("o") || first.is("b") || first.is("x");
        for (Token t = numbers ? token() : first; !t.is(")"); t = token()) {
            out.add(numbers ? t.text() : value(t));
        }
        return out;
    }
}
