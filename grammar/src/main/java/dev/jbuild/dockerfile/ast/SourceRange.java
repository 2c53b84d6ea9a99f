package dev.jbuild.dockerfile.ast;

/** Where a node stands in its Dockerfile: 1-based start line and column, and the last line. */
public record SourceRange(int startLine, int startColumn, int endLine) {
    @Override
    public String toString() {
        return startLine + ":" + startColumn + (endLine != startLine ? "-" + endLine : "");
    }
}
