package io.pgtrickle.cli;

import io.pgtrickle.api.PgTrickle;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import picocli.CommandLine.Command;

@Command(name = "status", mixinStandardHelpOptions = true, description = "Show every stream table (pgtrickle.pgt_status()).")
final class StatusCommand extends EngineCommand {

    @Override
    void run(PgTrickle pgt) throws SQLException {
        try (Statement st = pgt.db().connection().createStatement();
             ResultSet rs = st.executeQuery("SELECT name, status, effective_refresh_mode, schedule, is_populated,"
                     + " consecutive_errors, to_char(last_refresh_at, 'YYYY-MM-DD HH24:MI:SS') AS last_refresh,"
                     + " coalesce(last_error, '') AS last_error FROM pgtrickle.pgt_status()")) {
            System.out.printf("%-32s %-12s %-12s %-10s %-9s %-6s %-19s %s%n", "name", "status", "mode", "schedule",
                    "populated", "errors", "last_refresh", "last_error");
            while (rs.next()) {
                System.out.printf("%-32s %-12s %-12s %-10s %-9s %-6d %-19s %s%n", rs.getString(1), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getBoolean(5), rs.getInt(6),
                        String.valueOf(rs.getString(7)), rs.getString(8));
            }
        }
    }
}
