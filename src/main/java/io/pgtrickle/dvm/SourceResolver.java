package io.pgtrickle.dvm;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** Looks relations and functions up in the PostgreSQL catalog on behalf of the analyzer. */
public interface SourceResolver {

    /** The table named by identifier parts (already case-folded), as PostgreSQL would resolve it. */
    Optional<SourceTable> table(List<String> names) throws SQLException;

    /** Of {@code names}, the ones that are volatile functions in every overload. */
    List<String> volatileFunctions(List<String> names) throws SQLException;

    /** Of {@code names}, the ones that are aggregate functions. */
    List<String> aggregateFunctions(List<String> names) throws SQLException;

    /** Of {@code names}, the ones that return sets. */
    List<String> setReturningFunctions(List<String> names) throws SQLException;
}
