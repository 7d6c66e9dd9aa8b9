/* stix_misp.h - MISP event JSON mapped to STIX 2.1 (SPEC R11.3).
 *
 * The parser is pure (no database, no clock, no randomness): it turns a
 * MISP document into the text of a TAXII envelope of STIX 2.1 objects,
 * which the import then stores through stix_ingest like any other
 * document (validated by the same checks, one transaction, all or
 * nothing).  Fuzz targets and unit tests call the parser alone.
 *
 * Accepted shapes: {"Event":{...}}, a bare event object, a list of either,
 * and {"response":[...]} as MISP's restSearch returns it.  The mapping:
 *   - an attribute with to_ids -> one indicator whose pattern matches its
 *     value; composite types (ip-dst|port, domain|ip, filename|md5 ...)
 *     AND one observation expression per STIX object type;
 *   - an attribute without to_ids -> observed-data with its cyber
 *     observables (ipv4/ipv6-addr, domain-name, url, email-addr, file,
 *     mac-addr, mutex), or skipped with a counted reason;
 *   - a MISP object with at least one to_ids attribute -> one indicator
 *     whose pattern ANDs its mappable attributes (values of the same
 *     property are ORed), otherwise observed-data;
 *   - tlp:* tags (event, object, attribute; the most restrictive wins) ->
 *     the TLP 2.0 marking refs; other tags -> labels;
 *   - distribution 0 ("your organisation only", on the event, an object
 *     or an attribute) -> TLP:RED, the one level the store keeps to the
 *     importer's organisation; 1-5 leave the tags to decide; other
 *     values are refused (see read_distribution in stix_misp.c);
 *   - first_seen / last_seen (ISO 8601, any offset) -> an indicator's
 *     valid_from and custom x_misp_last_seen (never valid_until: that is
 *     an expiry, not a sighting), observed-data's first/last_observed; an
 *     object without its own takes the span of its attributes';
 *   - the event -> a report whose object_refs are the objects made.
 * STIX ids are UUIDv5 of the MISP uuids (observables: the STIX 2.1 SCO
 * namespace over their id-contributing properties) and the timestamps are
 * MISP's, so importing the same event again stores nothing new. */
#ifndef KR_STIX_MISP_H
#define KR_STIX_MISP_H

#include <stddef.h>
#include "core/ctx.h"
#include "core/stix.h"

struct arena;

/* Namespace of the UUIDv5 ids made from MISP uuids. */
#define STIX_MISP_NS "1d4c6a2e-5b1f-4f3a-9c7e-6b0d2a8f4e51"

struct stix_misp_skip {
	const char *reason; /* e.g. "type comment has no STIX mapping" */
	size_t count;
};

struct stix_misp {
	const char *doc;        /* envelope JSON text (arena), NULL on a problem */
	size_t doc_len;
	size_t nobjects;        /* objects in doc */
	const char **origin;    /* per object: where it came from ("event 1 attribute 3 (ip-dst ...)") */
	const char **problems;  /* why the document cannot be imported (arena) */
	size_t nproblems;
	size_t events, attributes, indicators, observed, reports, skipped;
	struct stix_misp_skip *skips; /* distinct skip reasons with counts */
	size_t nskips;
};

/* Parse a MISP document json[0..len) into m (everything in arena a).
 * Returns KR_OK with m->doc set, or KR_EINVAL with m->problems naming the
 * JSON line/column or the event/attribute at fault.  Bounded like STIX
 * documents (STIX_MAX_DOC bytes, STIX_MAX_DEPTH nesting, STIX_MAX_OBJECTS
 * objects, UTF-8 only). */
int stix_misp_parse(struct arena *a, const char *json, size_t len, struct stix_misp *m);

/* Parse and store a MISP document in the collection named by slug, as
 * the viewer (the rights of stix_ingest).  KR_EINVAL when the document or
 * any object made from it is invalid: nothing is stored and m->problems
 * says why per event/attribute.  st is stix_ingest's outcome. */
int stix_import_misp(struct ctx *c, const char *collection, const char *json, size_t len, struct stix_misp *m,
		     struct stix_status *st);

#endif
