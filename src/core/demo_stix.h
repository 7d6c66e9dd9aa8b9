/* demo_stix.h - demo indicators for the demo dataset (issue 5, item 7). */
#ifndef KR_DEMO_STIX_H
#define KR_DEMO_STIX_H

#include <stddef.h>
#include "core/ctx.h"

/* After demo_load: a few thousand deterministic STIX 2.1 indicators (only
 * documentation address ranges 192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24, example domains and made-up hashes) posted by the five
 * CTI vendors into their information communities, the coordination
 * center's IoC list with its malware and relationships in the
 * professional community, and sightings from critical-service providers
 * in the consultation community - each through stix_ingest as a person of
 * the posting organisation.  *n counts the objects stored.  System only. */
int demo_stix_load(struct ctx *c, size_t *n);

#endif
