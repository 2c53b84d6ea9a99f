/*
 * One logical Dockerfile line (continuations already joined, outer whitespace trimmed):
 * KEYWORD [--flag ...] [arguments].
 *
 * Modes follow BuildKit's splitCommand/extractBuilderFlags: the keyword is the first word; words
 * that start with "--" right after it are flags (quotes and the escape character group a flag
 * word); a lone "--" ends the flags; everything after is the arguments, which are tokenised finely
 * enough for the parser to recognise a JSON array (exec form) and to fall back to shell form when
 * it is not one. The escape character is '\' or '`' (the "# escape=" directive), so the flag mode
 * exists twice; the base class picks one. After ONBUILD's flags the lexer returns to the keyword
 * mode for the nested instruction.
 */
lexer grammar InstructionLexer;

options { superClass = InstructionLexerBase; }

tokens { FLAG, DASHDASH, F_WS }

ADD         : A D D                                 { keyword(); } ;
ARG         : A R G                                 { keyword(); } ;
CMD         : C M D                                 { keyword(); } ;
COPY        : C O P Y                               { keyword(); } ;
ENTRYPOINT  : E N T R Y P O I N T                   { keyword(); } ;
ENV         : E N V                                 { keyword(); } ;
EXPOSE      : E X P O S E                           { keyword(); } ;
FROM        : F R O M                               { keyword(); } ;
HEALTHCHECK : H E A L T H C H E C K                 { keyword(); } ;
LABEL       : L A B E L                             { keyword(); } ;
MAINTAINER  : M A I N T A I N E R                   { keyword(); } ;
ONBUILD     : O N B U I L D                         { keyword(); nestedInstruction(); } ;
RUN         : R U N                                 { keyword(); } ;
SHELL       : S H E L L                             { keyword(); } ;
STOPSIGNAL  : S T O P S I G N A L                   { keyword(); } ;
USER        : U S E R                               { keyword(); } ;
VOLUME      : V O L U M E                           { keyword(); } ;
WORKDIR     : W O R K D I R                         { keyword(); } ;
// BuildKit splits the keyword off at [\t\v\f\r ]; any other word is an unknown instruction,
// kept in the tree and rejected later with a suggestion.
UNKNOWN     : ~[ \t\r\u000B\f]+                     { keyword(); } ;

// Flags when the escape character is '\'.
mode FLAGS_BACKSLASH;

BS_WS   : SPACE+ { afterSpace(); } -> type(F_WS) ;
// A lone escape or an unterminated quote can only end the line (the TAIL); inside the word an
// escape always takes the next character and a quote always closes, as in extractBuilderFlags.
BS_FLAG : '--' BS_PART* BS_TAIL? { flag(); } ;
fragment BS_PART : '\\' ~'\n'
                 | '"' ( '\\' ~'\n' | ~["\\] )* '"'
                 | '\'' ( '\\' ~'\n' | ~['\\] )* '\''
                 | ~[ \t\r\u000B\f\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"'\\]
                 ;
fragment BS_TAIL : '\\'
                 | '"' ( '\\' ~'\n' | ~["\\] )* '\\'?
                 | '\'' ( '\\' ~'\n' | ~['\\] )* '\\'?
                 ;

// Flags when the escape character is '`'.
mode FLAGS_BACKTICK;

BT_WS   : SPACE+ { afterSpace(); } -> type(F_WS) ;
// A lone escape or an unterminated quote can only end the line (the TAIL); inside the word an
// escape always takes the next character and a quote always closes, as in extractBuilderFlags.
BT_FLAG : '--' BT_PART* BT_TAIL? { flag(); } ;
fragment BT_PART : '`' ~'\n'
                 | '"' ( '`' ~'\n' | ~["`] )* '"'
                 | '\'' ( '`' ~'\n' | ~['`] )* '\''
                 | ~[ \t\r\u000B\f\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"'`]
                 ;
fragment BT_TAIL : '`'
                 | '"' ( '`' ~'\n' | ~["`] )* '`'?
                 | '\'' ( '`' ~'\n' | ~['`] )* '`'?
                 ;

// Arguments: JSON tokens, and text for everything else.
mode ARGS;

JSON_WS      : [ \t\r]+ ;
OTHER_WS     : [\u000B\f\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+ ;
// A '[' nested absurdly deep cannot start exec form (see InstructionLexerBase.setJsonDisabled).
LBRACK       : '[' { if (jsonDisabled()) setType(TEXT); } ;
RBRACK       : ']' ;
LBRACE       : '{' ;
RBRACE       : '}' ;
COMMA        : ',' ;
COLON        : ':' ;
JSON_STRING  : '"' ( '\\' ["\\/bfnrt] | '\\u' HEX HEX HEX HEX | ~["\\\u0000-\u001F] )* '"' ;
JSON_NUMBER  : '-'? ( '0' | [1-9] [0-9]* ) ( '.' [0-9]+ )? ( [eE] [+-]? [0-9]+ )? ;
JSON_LITERAL : 'true' | 'false' | 'null' ;
TEXT         : ~[ \t\r\u000B\f\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000[\]{},:"]+ ;
QUOTE        : '"' ;

fragment HEX : [0-9a-fA-F] ;
fragment SPACE : [ \t\r\u000B\f\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000] ;
fragment A : [aA] ; fragment B : [bB] ; fragment C : [cC] ; fragment D : [dD] ; fragment E : [eE] ;
fragment F : [fF] ; fragment G : [gG] ; fragment H : [hH] ; fragment I : [iI] ; fragment K : [kK] ;
fragment L : [lL] ; fragment M : [mM] ; fragment N : [nN] ; fragment O : [oO] ; fragment P : [pP] ;
fragment R : [rR] ; fragment S : [sS] ; fragment T : [tT] ; fragment U : [uU] ; fragment V : [vV] ;
fragment W : [wW] ; fragment X : [xX] ; fragment Y : [yY] ;
