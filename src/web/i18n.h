/* i18n.h - message catalogues (Japanese first, English) looked up by key.
 * One table holds both languages so a message cannot exist in one only
 * (a unit test checks every entry has both). */
#ifndef KR_I18N_H
#define KR_I18N_H

#include <stdbool.h>
#include <stddef.h>

/* The message for key in lang ("ja" or "en"; anything else -> "ja").
 * A missing key returns the key itself (and is caught by the unit test
 * that scans the sources for keys). */
const char *tr(const char *lang, const char *key);
bool tr_has(const char *key);
/* tr() of the key prefix + name ("tag." + "info") without building the
 * key on the heap or in an arena; NULL when there is no such key (unlike
 * tr(), which answers the key itself). */
const char *tr_pre(const char *lang, const char *prefix, const char *name);
/* Pick "ja" or "en" from an Accept-Language header (q-values honoured);
 * default "ja". */
const char *i18n_pick(const char *accept_language);

/* The catalogue itself (messages.c), for the unit test and tools. */
struct message {
	const char *key, *ja, *en;
};
extern const struct message i18n_messages[];
extern const size_t i18n_nmessages;

#endif
