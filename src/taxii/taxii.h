/* taxii.h - the TAXII 2.1 server (SPEC R11.2): discovery, one API root,
 * collections (one per community the caller belongs to), objects, object
 * by id, versions, manifest and status.
 *
 * Handlers are thin: they check the TAXII media types (406 for an
 * unacceptable Accept, 415 for a wrong Content-Type), read the query
 * parameters, call core/stix.h and write TAXII resources.  Errors are
 * TAXII error resources rendered by the router (OUT_TAXII).  Callers
 * authenticate with HTTP Basic (API key as password) or a Bearer key. */
#ifndef KR_TAXII_H
#define KR_TAXII_H

#include "http/http.h"

#define TAXII_BODY_LIMIT (32 * 1024 * 1024)

int taxii_discovery(struct request *r);
int taxii_api_root(struct request *r);
int taxii_collections(struct request *r);
int taxii_collection(struct request *r);
int taxii_objects_get(struct request *r);
int taxii_objects_post(struct request *r);
int taxii_object_get(struct request *r);
int taxii_object_delete(struct request *r);
int taxii_versions(struct request *r);
int taxii_manifest(struct request *r);
int taxii_status(struct request *r);

#define TAXII_ROUTE(m, p, h, lim) {m, p, h, ACC_USER, AUTH_BASIC_OR_BEARER, false, lim, OUT_TAXII}
#define TAXII_ROUTES                                                                              \
	TAXII_ROUTE("GET", "/taxii2/", taxii_discovery, 0),                                       \
	TAXII_ROUTE("GET", "/taxii2/api/", taxii_api_root, 0),                                    \
	TAXII_ROUTE("GET", "/taxii2/api/collections/", taxii_collections, 0),                     \
	TAXII_ROUTE("GET", "/taxii2/api/collections/{}/", taxii_collection, 0),                   \
	TAXII_ROUTE("GET", "/taxii2/api/collections/{}/manifest/", taxii_manifest, 0),            \
	TAXII_ROUTE("GET", "/taxii2/api/collections/{}/objects/", taxii_objects_get, 0),          \
	TAXII_ROUTE("POST", "/taxii2/api/collections/{}/objects/", taxii_objects_post, TAXII_BODY_LIMIT), \
	TAXII_ROUTE("GET", "/taxii2/api/collections/{}/objects/{}/", taxii_object_get, 0),        \
	TAXII_ROUTE("DELETE", "/taxii2/api/collections/{}/objects/{}/", taxii_object_delete, 0),  \
	TAXII_ROUTE("GET", "/taxii2/api/collections/{}/objects/{}/versions/", taxii_versions, 0), \
	TAXII_ROUTE("GET", "/taxii2/api/status/{}/", taxii_status, 0)

#endif
