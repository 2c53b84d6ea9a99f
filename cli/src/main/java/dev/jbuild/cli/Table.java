package dev.jbuild.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A table as the docker CLI prints one (Go's tabwriter with minimum width 10, padding 3): every
 * column but the last padded with spaces to its widest cell plus three.
 */
final class Table {
    private static final int MIN_WIDTH = 10;
    private static final int PADDING = 3;

    private final List<String[]> rows = new ArrayList<>();

    Table(String... header) {
        rows.add(header);
    }

    void add(String... cells) {
        rows.add(cells);
    }

    void print(PrintWriter out) {
        int columns = 0;
        for (String[] r : rows) {
            columns = Math.max(columns, r.length);
        }
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < r.length - 1; i++) {
                width[i] = Math.max(width[i], Math.max(MIN_WIDTH, length(r[i]) + PADDING));
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(width[i] - length(r[i])));
                }
            }
            out.println(line);
        }
    }

    /** Width in code points, as Go's tabwriter counts runes. */
    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }
}
