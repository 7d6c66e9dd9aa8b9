/* indicators.h - JSON API v1 routes over the STIX store (SPEC R11.3):
 * exports that stream in constant memory whatever their size.
 *
 *   GET /api/v1/indicators/export?format=stix|csv[&collection=SLUG]
 *       stix: a STIX 2.1 bundle of one collection (collection required);
 *       csv: type,value,tlp,collection,stix_id,date_added rows.
 *   GET /api/v1/indicators/blocklist/{kind}[?collection=SLUG]
 *       the distinct current values of one kind, one per line.
 *   POST /api/v1/indicators/import?collection=SLUG  (text/csv body)
 *       type,value[,tlp,comment] rows, stored all or nothing: 201
 *       {"imported":N,"status_id":...}, or 422 with the rows' problems
 *       {"error":{"code":"invalid","message","lines":["line 3: ..."]}}.
 *   GET /api/v1/indicators/correlation?value=V[&kind=K]
 *       {"value","kind","objects","organisations","collections","topics"}
 *       counted over what the caller may see (R11.4).
 * Exports: what the caller may see only, never TLP:RED (core/stix.h). */
#ifndef KR_API_INDICATORS_H
#define KR_API_INDICATORS_H

#include <jansson.h>

#include "core/stix.h"
#include "http/http.h"

int api_indicators_export(struct request *r);
int api_indicators_blocklist(struct request *r);
int api_indicators_import(struct request *r);
int api_indicators_correlation(struct request *r);
/* indicators_misp.c (issue 5, R11.3): POST .../import?format=misp with an
 * application/json MISP event; GET .../export?format=suricata|snort
 * [&collection=SLUG][&sid_base=N]; GET .../misp-feed/manifest.json,
 * hashes.csv, {event-uuid}.json [?collection=SLUG]: see core/stix_misp.h
 * and core/stix_rules.h. */
int api_indicators_import_misp(struct request *r);
int api_indicators_export_rules(struct request *r, bool snort);
int api_indicators_misp_feed(struct request *r);

/* Shared by indicators.c and indicators_misp.c. */
/* ?collection=SLUG -> community id (0 when absent); otherwise the error
 * response's status (404 when not one of the caller's communities). */
int api_indicators_collection(struct request *r, int64_t *id);
/* An import's target: the Content-Type must start with ctype (415) and
 * ?collection= name a collection the caller may write to (400, 404,
 * 403).  0 with *col filled, or the error response's status. */
int api_indicators_import_target(struct request *r, const char *ctype, struct stix_collection *col);
/* 422 {"error":{"code":"invalid","message","lines"}}: nothing was
 * imported; lines (consumed) says why. */
int api_indicators_rejected(struct request *r, const char *message, json_t *lines);
/* A core streaming export's step: 1 more to come, 0 finished, <0 error. */
typedef int (*api_export_next_fn)(struct ctx *c, void *state, struct buf *out);
/* Run the first step now (a failure is still a clean error response),
 * then stream the rest, each step on this thread's connection with an
 * arena of its own; *stage is set to 2 when the first step finished. */
int api_indicators_stream(struct request *r, api_export_next_fn next, void *state, int *stage, const char *ctype,
			  const char *filename);

#define INDICATOR_ROUTES                                                                              \
	{"GET", "/api/v1/indicators/export", api_indicators_export, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/indicators/blocklist/{}", api_indicators_blocklist, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/indicators/correlation", api_indicators_correlation, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"GET", "/api/v1/indicators/misp-feed/{}", api_indicators_misp_feed, ACC_USER, AUTH_BEARER, false, 0, OUT_JSON}, \
	{"POST", "/api/v1/indicators/import", api_indicators_import, ACC_USER, AUTH_BEARER, false, 32 * 1024 * 1024, OUT_JSON}

#endif
