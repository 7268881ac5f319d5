package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import io.pgtrickle.api.PreviewRow;
import java.sql.SQLException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "preview", mixinStandardHelpOptions = true,
        description = "Show what create would do with a query (pgtrickle.preview_stream_table): sources and their"
                + " change capture, refresh mode, complexity, template sizes, warnings. Creates nothing.")
final class PreviewCommand extends EngineCommand {

    @Parameters(index = "0", paramLabel = "QUERY")
    String query;

    @Override
    void run(PgTrickle pgt) throws SQLException {
        List<PreviewRow> rows = pgt.previewStreamTable(query);
        PreviewRow plan = rows.get(0);
        System.out.println("refresh mode:   " + plan.refreshMode());
        System.out.println("complexity:     " + plan.complexity());
        System.out.println("operator tree:  " + plan.operatorTree());
        System.out.println("delta template: " + plan.deltaTemplateBytes() + " bytes; full template: "
                + plan.fullTemplateBytes() + " bytes");
        System.out.println("warnings:       " + (plan.warnings() == null ? "none" : plan.warnings()));
        if (plan.plan() != null) {
            System.out.print("plan:\n" + plan.plan().indent(2));
        }
        for (PreviewRow r : rows) {
            if (r.sourceTable() != null) {
                System.out.printf("source:         %s (%s, capture %s)%n", r.sourceTable(), r.sourceType(), r.cdcMode());
            }
        }
        pgt.db().connection().rollback(); // nothing to keep
    }
}
