package io.pgtrickle.dvm;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The layout of the generated statements a DBA reads in the catalog and in
 * {@code explain_refresh}. Operators start each subquery on a new line (after the comment naming
 * the operator); this indents every line by the depth of parentheses it starts in and puts the
 * parenthesis that closes a subquery spanning several lines on its own line, at its opening
 * line's depth:
 *
 * <pre>
 * /* Filter *&#47; SELECT * FROM (
 *   /* Scan(public.t) *&#47; SELECT … FROM public.t
 * ) AS t WHERE (t.v &gt; 1)
 * </pre>
 *
 * Only whitespace outside tokens changes: string constants (including {@code E'…'} and
 * dollar-quoted ones), quoted identifiers and comments are copied as they are, so the statement
 * means exactly what it did.
 */
public final class SqlLayout {

    private static final String INDENT = "  ";

    private final String sql;
    private final StringBuilder out;
    /** For each open parenthesis, the output line it was opened on. */
    private final Deque<Integer> open = new ArrayDeque<>();
    private int line;

    private SqlLayout(String sql) {
        this.sql = sql;
        this.out = new StringBuilder(sql.length() + sql.length() / 4);
    }

    public static String indent(String sql) {
        return sql == null ? null : new SqlLayout(sql).layout();
    }

    private String layout() {
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            int end = tokenEnd(i);
            if (end > i) {
                copy(i, end);
                i = end;
            } else if (c == '\n') {
                i = skipBlanks(i + 1);
                newLine(i < sql.length() && sql.charAt(i) == ')' ? open.size() - 1 : open.size());
            } else if (c == '(') {
                open.push(line);
                out.append(c);
                i++;
            } else if (c == ')') {
                Integer openedOn = open.poll();
                if (openedOn != null && openedOn != line && !onlyIndentSinceLineStart()) {
                    newLine(open.size());
                }
                out.append(c);
                i++;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private void newLine(int depth) {
        trimTrailingBlanks();
        out.append('\n').append(INDENT.repeat(Math.max(depth, 0)));
        line++;
    }

    /** Copies a token verbatim, counting the line breaks inside it. */
    private void copy(int from, int to) {
        for (int k = from; k < to; k++) {
            if (sql.charAt(k) == '\n') {
                line++;
            }
        }
        out.append(sql, from, to);
    }

    private boolean onlyIndentSinceLineStart() {
        for (int k = out.length() - 1; k >= 0; k--) {
            char c = out.charAt(k);
            if (c == '\n') {
                return true;
            }
            if (c != ' ') {
                return false;
            }
        }
        return true;
    }

    private void trimTrailingBlanks() {
        int n = out.length();
        while (n > 0 && (out.charAt(n - 1) == ' ' || out.charAt(n - 1) == '\t')) {
            n--;
        }
        out.setLength(n);
    }

    private int skipBlanks(int i) {
        while (i < sql.length() && (sql.charAt(i) == ' ' || sql.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** The end of the string constant, quoted identifier or comment starting at {@code i}; {@code i} when none does. */
    private int tokenEnd(int i) {
        char c = sql.charAt(i);
        if (c == '\'') {
            boolean backslashes = i > 0 && (sql.charAt(i - 1) == 'E' || sql.charAt(i - 1) == 'e')
                    && (i < 2 || !isIdentifierPart(sql.charAt(i - 2)));
            return quoted(i, '\'', backslashes);
        }
        if (c == '"') {
            return quoted(i, '"', false);
        }
        if (c == '-' && next(i) == '-') {
            int nl = sql.indexOf('\n', i);
            return nl < 0 ? sql.length() : nl;
        }
        if (c == '/' && next(i) == '*') {
            return blockCommentEnd(i);
        }
        if (c == '$' && (i == 0 || !isIdentifierPart(sql.charAt(i - 1)))) {
            return dollarQuotedEnd(i);
        }
        return i;
    }

    private int quoted(int i, char quote, boolean backslashes) {
        int j = i + 1;
        while (j < sql.length()) {
            char c = sql.charAt(j);
            if (backslashes && c == '\\') {
                j += 2;
            } else if (c == quote) {
                if (next(j) != quote) {
                    return j + 1;
                }
                j += 2;
            } else {
                j++;
            }
        }
        return sql.length();
    }

    /** PostgreSQL's block comments nest. */
    private int blockCommentEnd(int i) {
        int depth = 0;
        int j = i;
        while (j < sql.length() - 1) {
            if (sql.charAt(j) == '/' && sql.charAt(j + 1) == '*') {
                depth++;
                j += 2;
            } else if (sql.charAt(j) == '*' && sql.charAt(j + 1) == '/') {
                j += 2;
                if (--depth == 0) {
                    return j;
                }
            } else {
                j++;
            }
        }
        return sql.length();
    }

    /** {@code $tag$…$tag$} with an empty or identifier tag; a parameter ({@code $1}) is not one. */
    private int dollarQuotedEnd(int i) {
        int j = i + 1;
        while (j < sql.length() && sql.charAt(j) != '$') {
            char c = sql.charAt(j);
            if (!(Character.isLetter(c) || c == '_' || j > i + 1 && Character.isDigit(c))) {
                return i;
            }
            j++;
        }
        if (j >= sql.length()) {
            return i;
        }
        String tag = sql.substring(i, j + 1);
        int close = sql.indexOf(tag, j + 1);
        return close < 0 ? sql.length() : close + tag.length();
    }

    private char next(int i) {
        return i + 1 < sql.length() ? sql.charAt(i + 1) : 0;
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
