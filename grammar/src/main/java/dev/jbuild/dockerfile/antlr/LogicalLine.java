package dev.jbuild.dockerfile.antlr;

import java.util.ArrayList;
import java.util.List;

/**
 * One instruction's physical lines joined as BuildKit joins them, with the map from each offset of
 * the joined text back to its physical line and column, and the heredoc bodies that followed it.
 */
public final class LogicalLine {
    private final StringBuilder text = new StringBuilder();
    // Parallel arrays: fragment i starts at offsets[i] of the joined text, at lines[i]:columns[i].
    private int[] offsets = new int[2];
    private int[] lines = new int[2];
    private int[] columns = new int[2];
    private int fragments;
    private final int startLine;
    private final char escape;
    private int endLine;
    private boolean emptyContinuation;
    private final List<HeredocBody> heredocs = new ArrayList<>();
    private Object parsed;

    LogicalLine(int startLine, char escape) {
        this.startLine = startLine;
        this.endLine = startLine;
        this.escape = escape;
    }

    void append(String fragment, int line, int column) {
        if (fragments == offsets.length) {
            offsets = java.util.Arrays.copyOf(offsets, fragments * 2);
            lines = java.util.Arrays.copyOf(lines, fragments * 2);
            columns = java.util.Arrays.copyOf(columns, fragments * 2);
        }
        offsets[fragments] = text.length();
        lines[fragments] = line;
        columns[fragments] = column;
        fragments++;
        text.append(fragment);
        endLine = line;
    }

    void endLine(int line) {
        endLine = line;
    }

    void markEmptyContinuation() {
        emptyContinuation = true;
    }

    public String text() {
        return text.toString();
    }

    public int startLine() {
        return startLine;
    }

    /** The last physical line of the instruction, heredoc terminators included. */
    public int endLine() {
        return endLine;
    }

    public char escape() {
        return escape;
    }

    public boolean hasEmptyContinuation() {
        return emptyContinuation;
    }

    public List<HeredocBody> heredocs() {
        return heredocs;
    }

    /** The physical line (1-based) of an offset of the joined text. */
    public int lineOf(int offset) {
        return lines[fragmentOf(offset)];
    }

    /** The physical column (1-based) of an offset of the joined text. */
    public int columnOf(int offset) {
        int f = fragmentOf(offset);
        return columns[f] + (offset - offsets[f]) + 1;
    }

    private int fragmentOf(int offset) {
        int lo = 0;
        int hi = fragments - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (offsets[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** What the instruction reader made of this line; kept so that the line is parsed once. */
    public Object parsed() {
        return parsed;
    }

    public void setParsed(Object parsed) {
        this.parsed = parsed;
    }

    /** A heredoc announced on the line, and the body read after it. */
    public static final class HeredocBody {
        private final String name;
        private final int fileDescriptor;
        private final boolean expand;
        private final boolean chomp;
        private final StringBuilder content = new StringBuilder();
        private boolean terminated;

        public HeredocBody(String name, int fileDescriptor, boolean expand, boolean chomp) {
            this.name = name;
            this.fileDescriptor = fileDescriptor;
            this.expand = expand;
            this.chomp = chomp;
        }

        public int fileDescriptor() {
            return fileDescriptor;
        }

        /** False when any part of the delimiter word was quoted: the body is then taken literally. */
        public boolean expand() {
            return expand;
        }

        public String name() {
            return name;
        }

        public boolean chomp() {
            return chomp;
        }

        public String content() {
            return content.toString();
        }

        public boolean terminated() {
            return terminated;
        }

        void append(String line) {
            content.append(line);
        }

        void terminate() {
            terminated = true;
        }
    }
}
