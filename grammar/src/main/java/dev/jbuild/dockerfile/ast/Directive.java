package dev.jbuild.dockerfile.ast;

/** A parser directive ({@code # syntax=}, {@code # escape=}, {@code # check=}); name lower-cased. */
public record Directive(String name, String value, SourceRange range) {}
