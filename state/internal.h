/* certsweep — what the files of state/ share; not for other rooms.
 *
 * Each table's functions live in a file of their own (state.c: the file,
 * migrations, Security Hub imports and runs; findings.c: findings as the
 * runs saw them); all of them report failures through state_fail(), which
 * keeps the reason for state_errmsg() and logs nothing. */
#ifndef STATE_INTERNAL_H
#define STATE_INTERNAL_H

#include <sqlite3.h>

#include "state/state.h"

struct state_db {
    sqlite3 *db;
    int in_tx;
    char path[1024];
    char err[1400];                 /* the last failure, for state_errmsg() */
};

/* SQLite result code -> 0 or a negative aws_err. */
int state_map_rc(int rc);
/* Records "path: what: detail" for state_errmsg() and returns the mapped
 * error. */
int state_fail(state_db *s, int rc, const char *what);

#endif
