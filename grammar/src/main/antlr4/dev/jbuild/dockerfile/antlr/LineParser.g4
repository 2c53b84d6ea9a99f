/* The line structure of a Dockerfile; see LineLexer for why the grammar has two levels. */
parser grammar LineParser;

options { tokenVocab = LineLexer; }

dockerfile : BOM? directive* item* EOF ;

directive : DIRECTIVE ;

item : instruction | COMMENT | BLANK_LINE ;

// An instruction is its first line and any continuation lines; comment and empty lines inside a
// continuation are dropped; an escape at the end of the file ends the instruction.
instruction
    : continued* LINE_END heredoc*
    | continued+
    ;

continued : LINE_CONT (CONT_COMMENT | CONT_EMPTY)* ;

heredoc : HEREDOC_BODY* HEREDOC_END ;
