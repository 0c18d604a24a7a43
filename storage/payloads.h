/* payloads: the stored payloads of an archive by digest, so the WARC writer
 * can write an identical payload as a revisit record instead of a second
 * copy.
 *
 * Keys are a 64-bit hash of the "sha1:BASE32" digest: a hit is a candidate
 * that the caller confirms against the record's own WARC-Payload-Digest.
 * Each entry costs 24 bytes, in a table kept at most 3/4 full.
 *
 * Ownership: payloads_new returns a table the caller frees with
 * payloads_free.  Not thread-safe: one thread uses a table at a time.
 */
#ifndef CRAWLER_PAYLOADS_H
#define CRAWLER_PAYLOADS_H

#include <stdint.h>

#include "warc.h"

struct payloads;

struct payloads *payloads_new(void);
void payloads_free(struct payloads **p);

/* Remembers where the payload with this digest is stored (the first
 * location given for a digest is kept).  0, or -1 when out of memory. */
int payloads_add(struct payloads *p, const char *digest,
		 const struct warc_location *loc);

/* 1 and *loc filled when a payload with (probably) this digest is stored,
 * else 0. */
int payloads_find(const struct payloads *p, const char *digest,
		  struct warc_location *loc);

#endif
