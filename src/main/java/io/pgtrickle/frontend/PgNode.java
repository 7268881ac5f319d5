package io.pgtrickle.frontend;

import java.util.List;
import java.util.Map;

/**
 * One node of PostgreSQL's analysed query tree, as {@code nodeToString} prints it: a type name
 * ({@code QUERY}, {@code OPEXPR}, …) and its fields. Field values are {@link PgNode}s, lists
 * ({@code List<Object>}), strings (scalars as printed, String nodes unquoted), byte arrays (datums)
 * or null ({@code <>}).
 */
public record PgNode(String type, Map<String, Object> fields) {

    public boolean is(String t) {
        return type.equals(t);
    }

    public boolean has(String field) {
        return fields.get(field) != null;
    }

    public Object get(String field) {
        return fields.get(field);
    }

    public String text(String field) {
        Object v = fields.get(field);
        return v == null ? null : v.toString();
    }

    public long number(String field) {
        return Long.parseLong(text(field));
    }

    public int integer(String field) {
        return Integer.parseInt(text(field));
    }

    public boolean bool(String field) {
        return "true".equals(text(field));
    }

    public PgNode node(String field) {
        return (PgNode) fields.get(field);
    }

    /** A list field; {@code <>} (NIL) is the empty list. */
    @SuppressWarnings("unchecked")
    public List<Object> list(String field) {
        Object v = fields.get(field);
        return v == null ? List.of() : (List<Object>) v;
    }

    /** A list field whose elements are nodes. */
    public List<PgNode> nodes(String field) {
        return list(field).stream().map(PgNode.class::cast).toList();
    }

    @Override
    public String toString() {
        return "{" + type + "}";
    }
}
