/*
 * The physical structure of a Dockerfile: one token per physical line (or line fragment).
 *
 * BuildKit joins continuation lines *before* it splits the keyword from its arguments, so a
 * continuation may fall anywhere, even inside a keyword ("RU\<newline>N"). This grammar therefore
 * works in two levels: this lexer and LineParser recognise the line structure (BOM, parser
 * directives, comments, blank lines, instruction lines with their continuations, embedded comment
 * and empty lines, heredoc bodies); InstructionLexer/InstructionParser then parse each joined
 * logical line (keyword, flags, exec or shell form, nested ONBUILD instruction).
 *
 * Three things are decided at run time, which is why the line tokens carry actions:
 *  - the escape character, set by a "# escape=" directive while lexing;
 *  - whether a '#' line at the top of the file is still a parser directive (placement rules);
 *  - whether an instruction is followed by heredoc bodies, and their terminators: that needs the
 *    joined line parsed as an instruction (not JSON form, RUN/COPY/ADD or ONBUILD of those).
 */
lexer grammar LineLexer;

options { superClass = LineLexerBase; }

tokens { DIRECTIVE, COMMENT, LINE_END, LINE_CONT, HEREDOC_BODY, HEREDOC_END }

// A UTF-8 byte-order mark is dropped, but only at the very start of the file.
BOM : {getCharIndex() == 0}? '\uFEFF' ;

// A line whose first non-blank character is '#': a parser directive while the directive block is
// open, a comment afterwards. A comment never continues, even when it ends in the escape char.
HASH_LINE : SPACE* '#' ~'\n'* NL? { hashLine(); } ;

BLANK_LINE : ( SPACE* NL | SPACE+ ) { blankLine(); } ;

// The first line of an instruction. The action strips the line break and the continuation and
// retypes the token as LINE_END or LINE_CONT.
// The predicate leaves a byte-order mark at the start of the file to the BOM rule.
INSTR_LINE : {getCharIndex() > 0 || _input.LA(1) != 0xFEFF}? SPACE* ~[#\n \t\r\u000B\f\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000] ~'\n'* NL?
             { instructionLine(); } ;

// After a continuation: comment lines and empty lines are dropped from the instruction.
mode CONTINUATION;

CONT_COMMENT : SPACE* '#' ~'\n'* NL? { continuationComment(); } ;
CONT_EMPTY   : ( SPACE* NL | SPACE+ ) { emptyContinuationLine(); } ;
CONT_LINE    : SPACE* ~[#\n \t\r\u000B\f\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000] ~'\n'* NL?
               { continuationLine(); } ;

// Heredoc bodies: raw lines until one equals the terminator (after leading tabs with <<-).
mode HEREDOC;

HEREDOC_LINE : ( ~'\n'* NL | ~'\n'+ ) { heredocLine(); } ;

fragment NL : '\n' ;
// unicode.IsSpace, less the line feed.
fragment SPACE : [ \t\r\u000B\f\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000] ;
