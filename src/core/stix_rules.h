/* stix_rules.h - exports of the STIX store for other products (SPEC
 * R11.3): Suricata and Snort rules, and a MISP feed (manifest.json,
 * hashes.csv, one event file per bucket), streamed in constant memory like
 * stix_export_next (keyset on index keys, a short query per chunk, no
 * transaction held between chunks).  Only what the viewer may see
 * (ACL_STIX_PRED), latest versions, never TLP:RED, each rule and event
 * labelled with its collection and TLP.
 *
 * Rules: one rule per (collection, value) for ipv4-addr/ipv6-addr (an
 * "ip" rule both ways), domain-name (dns.query and tls.sni, with
 * subdomains; Snort: the DNS query bytes), url (http.host + http.uri for
 * http, tls.sni for https); valid_until past values are left out.  File
 * hashes need list files (filemd5/filesha256 read a file, one hash per
 * line): the header explains how to save the blocklist endpoint's output
 * as those files, with the rules to uncomment.  The sid of a value is
 * sid_base + 32 * (the row id of the first stored object holding it) +
 * 2 * (its rank among that object's values) + rule: it stays the same
 * while that object is stored, and never collides with another value's
 * (ranks past 15 and sids past 2^32-1 become comments).
 *
 * MISP feed: one MISP event per (collection, UTC day the objects were
 * added, TLP), so every event carries exactly one TLP tag and a day's
 * event only changes while that day lasts.  Event uuids are UUIDv8
 * (RFC 9562) holding the day and TLP plus a 100-bit hash of the
 * collection (space, id, slug, creation time), so an event file's uuid
 * leads back to its bucket without a table and two sites do not share
 * uuids. */
#ifndef KR_STIX_RULES_H
#define KR_STIX_RULES_H

#include <stdbool.h>
#include <stdint.h>
#include "core/ctx.h"
#include "lib/kr.h"

struct buf;

enum stix_rules_fmt {
	STIX_RULES_SURICATA,
	STIX_RULES_SNORT,
	STIX_FEED_MANIFEST, /* manifest.json */
	STIX_FEED_HASHES,   /* hashes.csv: md5(value),event-uuid */
	STIX_FEED_EVENT,    /* {event-uuid}.json (set by stix_feed_event_find) */
};

#define STIX_RULES_SID_BASE 1000000000LL

struct stix_rules {
	enum stix_rules_fmt fmt;
	int64_t community_id;   /* 0 = every collection the viewer belongs to */
	int64_t sid_base;       /* rules; 0 = STIX_RULES_SID_BASE */
	/* state, zero to start (stix_feed_event_find fills the event's) */
	int stage, kind_i, tlp;
	int64_t rows, comm_cur, comm_created, cur_id, cur_added, day, max_added;
	char comm_slug[80];
	char cur_value[2112];
	char event_uuid[40];
	char hash[32];
};

/* Append the next chunk to out.  1: more to come, 0: finished (the last
 * chunk is in out), <0: error (KR_EPERM without a person). */
int stix_rules_next(struct ctx *c, struct stix_rules *e, struct buf *out);

/* Point e (fmt STIX_FEED_EVENT) at the bucket of a feed event uuid among
 * the viewer's collections.  KR_ENOTFOUND for a malformed uuid or one that
 * names no collection of the viewer. */
int stix_feed_event_find(struct ctx *c, const char *uuid, struct stix_rules *e);

/* The feed event uuid of a bucket (out: 37 bytes); exposed for tests. */
void stix_feed_event_uuid(int64_t space, int64_t community_id, const char *slug, int64_t created_at, int64_t day,
			  int tlp, char out[37]);

#endif
