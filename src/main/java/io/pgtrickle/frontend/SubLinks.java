package io.pgtrickle.frontend;

/** PostgreSQL's SubLink kinds (subLinkType), as they appear in an analysed query. */
final class SubLinks {

    static final int EXISTS = 0;
    static final int ALL = 1;
    static final int ANY = 2;
    static final int EXPR = 4;

    private SubLinks() {
    }

    static int kind(PgNode sublink) {
        return sublink.integer("subLinkType");
    }

    static String describe(PgNode sublink) {
        return switch (kind(sublink)) {
            case EXISTS -> "an EXISTS subquery";
            case ALL -> "an ALL (subquery) comparison";
            case ANY -> "an IN / ANY (subquery) comparison";
            case EXPR -> "a scalar subquery";
            case 6 -> "an ARRAY (subquery)";
            default -> "a subquery";
        };
    }
}
