package io.pgtrickle.sql;

import java.sql.SQLException;

/**
 * An error the engine reports to the user. Always carries a PostgreSQL SQLSTATE so both
 * hosts surface it the way PostgreSQL's own errors are surfaced.
 */
public final class PgTrickleException extends SQLException {

    public static final String INVALID_PARAMETER_VALUE = "22023";
    public static final String UNDEFINED_TABLE = "42P01";
    public static final String DUPLICATE_TABLE = "42P07";
    public static final String DUPLICATE_COLUMN = "42701";
    public static final String SYNTAX_ERROR = "42601";
    public static final String INVALID_NAME = "42602";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String WRONG_OBJECT_TYPE = "42809";
    public static final String OBJECT_NOT_IN_PREREQUISITE_STATE = "55000";
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    public static final String STATEMENT_TOO_COMPLEX = "54001";
    public static final String INTERNAL_ERROR = "XX000";

    public PgTrickleException(String sqlState, String message) {
        super(message, sqlState);
    }

    public PgTrickleException(String sqlState, String message, Throwable cause) {
        super(message, sqlState, cause);
    }

    public static PgTrickleException invalidParameter(String message) {
        return new PgTrickleException(INVALID_PARAMETER_VALUE, message);
    }

    public static PgTrickleException notSupported(String message) {
        return new PgTrickleException(FEATURE_NOT_SUPPORTED, message);
    }
}
