/*
 * registry.c - the one list of application protocol parsers.
 *
 * The parsers are listed in the parsers_*.inc files, one OTW_PARSER(symbol)
 * line each, grouped by family. Order matters only for identification: a
 * parser with a more specific probe comes before a looser one.
 */
#include "proto/proto.h"

#define OTW_PARSER(sym) extern const struct otw_parser sym;
#include "proto/parsers_ot.inc"
#include "proto/parsers_ot2.inc"
#include "proto/parsers_it.inc"
#include "proto/parsers_it2.inc"
#undef OTW_PARSER

#define OTW_PARSER(sym) &sym,
const struct otw_parser *const otw_parsers[] = {
#include "proto/parsers_ot.inc"
#include "proto/parsers_ot2.inc"
#include "proto/parsers_it.inc"
#include "proto/parsers_it2.inc"
    NULL,
};
#undef OTW_PARSER
