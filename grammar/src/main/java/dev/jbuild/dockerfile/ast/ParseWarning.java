package dev.jbuild.dockerfile.ast;

/** Something BuildKit accepts but warns about, such as an empty continuation line. */
public record ParseWarning(String rule, String message, SourceRange range) {}
