/* certsweep(1) and certsweep.conf(5) in mdoc, written from the same tables
 * as --help (src/commands.c, each command's flag table) and check-config
 * (config/options.c).  Built by src/mangen.c at build time. */
#ifndef SRC_MANPAGE_H
#define SRC_MANPAGE_H

#include <stdio.h>

/* Writes the page of `section` (1: certsweep, 5: certsweep.conf).  date:
 * "Month D, YYYY".  Returns 0, or -1 for an unknown section or a write
 * error. */
int manpage_write(FILE *f, int section, const char *date);

#endif
