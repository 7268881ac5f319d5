package io.pgtrickle.dvm;

import io.pgtrickle.dvm.operators.DeltaOperator;

/** A translated relation: its operator tree and the names its columns are visible under. */
public record Rel(DeltaOperator op, Scope scope) {
}
