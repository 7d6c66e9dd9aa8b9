/* db_pg.c - the PostgreSQL engine (libpq).  Implemented in the PostgreSQL
 * issue; until then postgres:// URLs are refused with a clear message. */
#include "store/db_engine.h"

const struct db_engine *const db_engine_postgres = NULL;
