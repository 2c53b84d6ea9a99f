/* One logical Dockerfile line; see InstructionLexer. Every token sequence the lexer can produce
 * parses: what is not a valid JSON array is shell form, exactly as BuildKit falls back. */
parser grammar InstructionParser;

options { tokenVocab = InstructionLexer; }

line : instruction EOF ;

instruction
    : keyword=(RUN | CMD | ENTRYPOINT | SHELL) flags (F_WS execOrShell)?        # commandInstruction
    | keyword=(ADD | COPY | VOLUME) flags (F_WS execOrList)?                     # listInstruction
    | keyword=HEALTHCHECK flags (F_WS healthcheckArgs)?                         # healthcheckInstruction
    | keyword=ONBUILD flags (F_WS instruction)?                                  # onbuildInstruction
    | keyword=(FROM | EXPOSE | ENV | LABEL | ARG | MAINTAINER | STOPSIGNAL | USER | WORKDIR | UNKNOWN)
      flags (F_WS text)?                                                         # plainInstruction
    ;

flags : (F_WS (FLAG | DASHDASH))* ;

// HEALTHCHECK NONE | HEALTHCHECK [flags] CMD command: the type word, then exec or shell form.
healthcheckArgs : healthcheckType (space execOrShell?)? ;
healthcheckType : (~(JSON_WS | OTHER_WS | EOF))+ ;

// The first alternative wins when both match: a valid JSON array is exec form.
execOrShell : execForm | text ;
execOrList  : execForm | text ;

execForm : jsonArray ;

jsonArray  : LBRACK JSON_WS? (jsonValue JSON_WS? (COMMA JSON_WS? jsonValue JSON_WS?)*)? RBRACK ;
jsonObject : LBRACE JSON_WS? (member JSON_WS? (COMMA JSON_WS? member JSON_WS?)*)? RBRACE ;
member     : JSON_STRING JSON_WS? COLON JSON_WS? jsonValue ;
jsonValue  : JSON_STRING | JSON_NUMBER | JSON_LITERAL | jsonArray | jsonObject ;

space : (JSON_WS | OTHER_WS)+ ;

text : (~EOF)+ ;
