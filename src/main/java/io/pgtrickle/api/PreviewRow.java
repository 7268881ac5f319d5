package io.pgtrickle.api;

/**
 * One row of preview_stream_table: a source the query reads, and the plan the query would get
 * (repeated on each row; one row with a null source when the query reads no table).
 * {@code plan} is the operator tree printed with each operator's expressions (null when FULL).
 */
public record PreviewRow(String sourceTable, String sourceType, String cdcMode, String refreshMode,
                         String complexity, String operatorTree, int deltaTemplateBytes, int fullTemplateBytes,
                         String warnings, String plan) {
}
