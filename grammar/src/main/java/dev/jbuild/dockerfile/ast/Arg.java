package dev.jbuild.dockerfile.ast;

/** One argument value of an instruction, as the parser produced it (quotes still in place). */
public record Arg(String value, SourceRange range) {}
