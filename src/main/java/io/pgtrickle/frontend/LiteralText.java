package io.pgtrickle.frontend;

import java.nio.charset.StandardCharsets;

/**
 * The constants of a defining query as the user wrote them. PostgreSQL records where each
 * constant starts (a byte offset into the query's text); this reads the literal token there with
 * PostgreSQL's lexical rules: {@code '…'} (and adjacent continuations on a new line), {@code E'…'},
 * {@code U&'…'} (with UESCAPE), {@code B'…'}, {@code X'…'}, {@code $tag$…$tag$}, numbers with an
 * optional leading minus (PostgreSQL reports a negated constant at its sign), TRUE, FALSE, NULL.
 */
final class LiteralText {

    private final String text;
    private final int[] charAtByte;

    /** @param text the query; offsets count its UTF-8 bytes from {@code prefixBytes} on */
    LiteralText(String text, int prefixBytes) {
        this.text = text;
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        charAtByte = new int[prefixBytes + bytes.length + 1];
        java.util.Arrays.fill(charAtByte, -1);
        int b = prefixBytes;
        for (int i = 0; i < text.length(); i++) {
            charAtByte[b] = i;
            int cp = text.codePointAt(i);
            b += new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (Character.isSupplementaryCodePoint(cp)) {
                i++;
            }
        }
        charAtByte[b] = text.length();
    }

    /** The literal starting at byte {@code location}, or null when none starts there. */
    String at(int location) {
        if (location < 0 || location >= charAtByte.length || charAtByte[location] < 0) {
            return null;
        }
        int start = charAtByte[location];
        int end = end(start);
        return end < 0 ? null : text.substring(start, end);
    }

    private int end(int i) {
        if (i >= text.length()) {
            return -1;
        }
        char c = text.charAt(i);
        if (c == '-') {
            int j = skipSpace(i + 1);
            return j < text.length() && (Character.isDigit(text.charAt(j)) || text.charAt(j) == '.') ? number(j) : -1;
        }
        if (Character.isDigit(c) || c == '.' && i + 1 < text.length() && Character.isDigit(text.charAt(i + 1))) {
            return number(i);
        }
        if (c == '\'') {
            return quoted(i, false);
        }
        if ((c == 'E' || c == 'e') && next(i) == '\'') {
            return quoted(i + 1, true);
        }
        if ((c == 'B' || c == 'b' || c == 'X' || c == 'x' || c == 'N' || c == 'n') && next(i) == '\'') {
            return quoted(i + 1, false);
        }
        if ((c == 'U' || c == 'u') && next(i) == '&' && i + 2 < text.length() && text.charAt(i + 2) == '\'') {
            int end = quoted(i + 2, false);
            int j = skipSpace(end);
            if (end > 0 && text.regionMatches(true, j, "UESCAPE", 0, 7)) {
                return quoted(skipSpace(j + 7), false);
            }
            return end;
        }
        if (c == '$') {
            int close = text.indexOf('$', i + 1);
            if (close < 0) {
                return -1;
            }
            String tag = text.substring(i, close + 1);
            int end = text.indexOf(tag, close + 1);
            return end < 0 ? -1 : end + tag.length();
        }
        for (String word : new String[] {"true", "false", "null"}) {
            if (text.regionMatches(true, i, word, 0, word.length())
                    && (i + word.length() == text.length() || !isIdent(text.charAt(i + word.length())))) {
                return i + word.length();
            }
        }
        return -1;
    }

    private char next(int i) {
        return i + 1 < text.length() ? text.charAt(i + 1) : 0;
    }

    private int number(int i) {
        int j = i;
        while (j < text.length() && (Character.isDigit(text.charAt(j)) || text.charAt(j) == '.' || text.charAt(j) == '_')) {
            j++;
        }
        if (j < text.length() && (text.charAt(j) == 'e' || text.charAt(j) == 'E')) {
            int k = j + 1;
            if (k < text.length() && (text.charAt(k) == '+' || text.charAt(k) == '-')) {
                k++;
            }
            if (k < text.length() && Character.isDigit(text.charAt(k))) {
                j = k;
                while (j < text.length() && Character.isDigit(text.charAt(j))) {
                    j++;
                }
            }
        }
        return j;
    }

    /** The end of a quoted string starting at {@code quote}, including continuations on new lines. */
    private int quoted(int quote, boolean backslashes) {
        int j = quote + 1;
        while (j < text.length()) {
            char c = text.charAt(j);
            if (backslashes && c == '\\') {
                j += 2;
                continue;
            }
            if (c == '\'') {
                if (j + 1 < text.length() && text.charAt(j + 1) == '\'') {
                    j += 2;
                    continue;
                }
                int k = j + 1;
                boolean newline = false;
                while (k < text.length() && Character.isWhitespace(text.charAt(k))) {
                    newline |= text.charAt(k) == '\n' || text.charAt(k) == '\r';
                    k++;
                }
                if (newline && k < text.length() && text.charAt(k) == '\'') {
                    j = k + 1; // 'a'<newline>'b' is one literal
                    continue;
                }
                return j + 1;
            }
            j++;
        }
        return -1;
    }

    private int skipSpace(int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isIdent(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
