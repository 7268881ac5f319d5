package io.pgtrickle.dvm;

/** The query is valid SQL but cannot be maintained differentially; the message names the construct. */
public final class UnsupportedQueryException extends Exception {

    public UnsupportedQueryException(String construct) {
        super(construct);
    }
}
