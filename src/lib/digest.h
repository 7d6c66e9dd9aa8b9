/* digest.h - SHA-1 and MD5, for the places where a format fixes them:
 * name-based UUIDs (RFC 4122 version 5 hashes with SHA-1, as STIX 2.1
 * deterministic identifiers require) and MISP feeds (hashes.csv lists the
 * MD5 of each attribute value).  Neither is used for security. */
#ifndef KR_DIGEST_H
#define KR_DIGEST_H

#include <stddef.h>

/* out: 20 bytes. */
void digest_sha1(const void *data, size_t n, unsigned char out[20]);
/* out: 16 bytes. */
void digest_md5(const void *data, size_t n, unsigned char out[16]);
/* MD5 as 32 lowercase hex digits (out: 33 bytes). */
void digest_md5_hex(const void *data, size_t n, char out[33]);
/* RFC 4122 version-5 UUID of name in the namespace ns (a UUID string in
 * canonical form; NULL or malformed ns counts as the nil UUID), written
 * as 36 lowercase characters (out: 37 bytes). */
void digest_uuid5(const char *ns, const void *name, size_t n, char out[37]);

#endif
