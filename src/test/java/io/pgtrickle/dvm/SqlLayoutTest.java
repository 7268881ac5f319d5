package io.pgtrickle.dvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The layout changes whitespace between tokens only: what is inside a token is copied as it is. */
class SqlLayoutTest {

    @Test
    void indentsSubqueriesByDepthAndClosesThemOnTheirOwnLine() {
        assertEquals("""
                SELECT * FROM (
                  /* Filter */ SELECT * FROM (
                    /* Scan */ SELECT 1 AS v
                  ) AS a WHERE (a.v > 0)
                ) r""", SqlLayout.indent("SELECT * FROM (\n/* Filter */ SELECT * FROM (\n   /* Scan */ SELECT 1 AS v) AS a"
                + " WHERE (a.v > 0)) r"));
    }

    @Test
    void parenthesesAndLineBreaksInsideTokensAreLeftAlone() {
        String tokens = "'a(\n  b' || E'\\'(' || $q$ (\n $q$ || U&'('  AS \"odd ( name\" /* /* ( */ ) */ -- (\n";
        assertEquals("SELECT " + tokens + "FROM (\n  SELECT $1\n) t",
                SqlLayout.indent("SELECT " + tokens + "FROM (\nSELECT $1) t"));
    }
}
