package io.pgtrickle.frontend;

import io.pgtrickle.dvm.operators.DeltaOperator;
import java.util.List;

/** A translated relation: its operator tree and the names of its output columns. */
record Relation(DeltaOperator op, List<String> columns) {
}
