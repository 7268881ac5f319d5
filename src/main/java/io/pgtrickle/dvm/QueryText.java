package io.pgtrickle.dvm;

import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.util.SqlBasicVisitor;
import org.apache.calcite.sql.SqlCall;

/**
 * The user's query text and the exact spans of its parsed nodes. Expressions go into generated
 * SQL as the user wrote them, never through Calcite's unparser, so they keep their PostgreSQL meaning.
 */
public final class QueryText {

    private final String text;
    private final int[] lineStarts;

    public QueryText(String text) {
        this.text = text;
        int lines = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines++;
            }
        }
        lineStarts = new int[lines];
        int line = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lineStarts[line++] = i + 1;
            }
        }
    }

    public String text() {
        return text;
    }

    /** The source text of {@code node}, widened to balance any parentheses it cuts through. */
    public String of(SqlNode node) {
        int[] r = range(node);
        return text.substring(r[0], r[1]);
    }

    /** The [start, end) offsets of {@code node}'s source text, widened to balance parentheses. */
    public int[] range(SqlNode node) {
        int[] span = {Integer.MAX_VALUE, -1};
        widen(span, node.getParserPosition());
        node.accept(new SqlBasicVisitor<Void>() {
            @Override
            public Void visit(SqlCall call) {
                widen(span, call.getParserPosition());
                // a schema-qualified function's call position starts at its last name part
                if (call.getOperator() instanceof org.apache.calcite.sql.SqlFunction fn && fn.getSqlIdentifier() != null) {
                    widen(span, fn.getSqlIdentifier().getParserPosition());
                }
                return super.visit(call);
            }

            @Override
            public Void visit(org.apache.calcite.sql.SqlIdentifier id) {
                widen(span, id.getParserPosition());
                return null;
            }

            @Override
            public Void visit(org.apache.calcite.sql.SqlLiteral literal) {
                widen(span, literal.getParserPosition());
                return null;
            }

            @Override
            public Void visit(org.apache.calcite.sql.SqlDataTypeSpec type) {
                widen(span, type.getParserPosition());
                return null;
            }
        });
        return balance(span[0], span[1]);
    }

    /** The text between two offsets. */
    public String slice(int start, int end) {
        return text.substring(start, end);
    }

    private void widen(int[] span, SqlParserPos pos) {
        if (pos == null || pos == SqlParserPos.ZERO || pos.getLineNum() <= 0) {
            return;
        }
        int start = offset(pos.getLineNum(), pos.getColumnNum());
        int end = offset(pos.getEndLineNum(), pos.getEndColumnNum()) + 1;
        span[0] = Math.min(span[0], start);
        span[1] = Math.max(span[1], Math.min(end, text.length()));
    }

    private int offset(int line, int column) {
        return lineStarts[Math.min(line, lineStarts.length) - 1] + column - 1;
    }

    /** Extends [start, end) outwards until its parentheses balance (outside quotes). */
    private int[] balance(int start, int end) {
        if (end < 0) {
            throw new IllegalStateException("node has no source position");
        }
        // Babel's position for a PostgreSQL cast (x::t) starts at the comma before it.
        while (start < end && (text.charAt(start) == ',' || Character.isWhitespace(text.charAt(start)))) {
            start++;
        }
        for (int d = depth(start, end); d != 0; d = depth(start, end)) {
            int next = d < 0 ? text.lastIndexOf('(', start - 1) : text.indexOf(')', end);
            if (next < 0) {
                break;
            }
            if (d < 0) {
                start = next;
            } else {
                end = next + 1;
            }
        }
        return new int[] {Math.max(start, 0), end};
    }

    /** Opening minus closing parentheses, where a negative running count is remembered. */
    private int depth(int start, int end) {
        int depth = 0;
        int min = 0;
        char quote = 0;
        for (int i = start; i < end; i++) {
            char ch = text.charAt(i);
            if (quote != 0) {
                if (ch == quote) {
                    quote = 0;
                }
            } else if (ch == '\'' || ch == '"') {
                quote = ch;
            } else if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
                min = Math.min(min, depth);
            }
        }
        return min < 0 ? min : depth;
    }
}
