package io.pgtrickle.dvm;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The names a query's expressions can use, each mapped to a column of the generated relation.
 * Columns of a FROM clause get names unique in that clause ("alias.column"), so rewritten
 * expressions can refer to them unqualified in any generated subquery. {@code outer} is the
 * enclosing query's scope, seen by correlated subqueries.
 */
public final class Scope {

    /** {@code alias.name} as the user writes it, and the column that carries it. */
    public record Field(String alias, String name, String column) {
    }

    private final List<Field> fields;
    private final Scope outer;

    public Scope(List<Field> fields, Scope outer) {
        this.fields = List.copyOf(fields);
        this.outer = outer;
    }

    /** A FROM item: {@code names} of a relation visible as {@code alias}. */
    public static Scope of(String alias, List<String> names) {
        List<Field> fields = new ArrayList<>();
        for (String n : names) {
            fields.add(new Field(alias, n, column(alias, n)));
        }
        return new Scope(fields, null);
    }

    /** A relation's output names, referred to by name only (ORDER BY of a result, for example). */
    public static Scope output(List<String> names) {
        List<Field> fields = new ArrayList<>();
        for (String n : names) {
            fields.add(new Field(null, n, n));
        }
        return new Scope(fields, null);
    }

    /** The generated column name for {@code alias.name}; PostgreSQL truncates names at 63 bytes. */
    public static String column(String alias, String name) {
        String c = alias + "." + name;
        return c.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= 63 ? c
                : "__pgt_c" + Integer.toHexString(c.hashCode()) + Integer.toHexString(c.length());
    }

    public List<Field> fields() {
        return fields;
    }

    public List<String> columns() {
        return fields.stream().map(Field::column).toList();
    }

    public Scope outer() {
        return outer;
    }

    /** Both sides of a join, side by side. */
    public Scope concat(Scope other) throws UnsupportedQueryException {
        List<Field> all = new ArrayList<>(fields);
        for (Field f : other.fields) {
            if (columns().contains(f.column())) {
                throw new UnsupportedQueryException("FROM items that reuse the name " + f.alias());
            }
            all.add(f);
        }
        return new Scope(all, outer);
    }

    /** This scope inside {@code enclosing} (for a correlated subquery); names must not clash. */
    public Scope within(Scope enclosing) throws UnsupportedQueryException {
        for (Scope s = enclosing; s != null; s = s.outer) {
            for (Field f : s.fields) {
                if (columns().contains(f.column())) {
                    throw new UnsupportedQueryException("a subquery that reuses the outer name " + f.alias());
                }
            }
        }
        return new Scope(fields, enclosing);
    }

    /** The fields of one FROM item ({@code alias.*}), or all when alias is null. */
    public List<Field> star(String alias) {
        return fields.stream().filter(f -> alias == null ? f.alias() == null || !f.alias().startsWith("__pgt_")
                : Objects.equals(alias, f.alias())).toList();
    }

    /**
     * The column a reference resolves to: a qualified name must match alias and column, an
     * unqualified one exactly one field; inner scopes first. Null when nothing matches.
     */
    public String resolve(List<String> names) throws UnsupportedQueryException {
        for (Scope s = this; s != null; s = s.outer) {
            Field hit = null;
            for (Field f : s.fields) {
                boolean match = names.size() == 1 ? f.name().equals(names.get(0))
                        : names.size() == 2 && Objects.equals(f.alias(), names.get(0)) && f.name().equals(names.get(1));
                if (match) {
                    if (hit != null) {
                        throw new UnsupportedQueryException("ambiguous column reference " + String.join(".", names));
                    }
                    hit = f;
                }
            }
            if (hit != null) {
                return hit.column();
            }
        }
        return null;
    }
}
