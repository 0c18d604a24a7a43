/* url: resolve references the way browsers do (WHATWG URL Standard, special
 * schemes http and https) and canonicalize the result for deduplication.
 *
 * Pure functions over bytes: no I/O, no global state, no allocation (libidn2
 * allocates internally for non-ASCII hosts only).  Every output goes into a
 * caller-supplied buffer; nothing returned needs freeing.
 *
 * Canonical form = the WHATWG serialization of an http(s) URL, with:
 *   - the fragment removed,
 *   - an empty query ("?" alone) removed,
 *   - percent-escapes normalized: hex digits upper-case, and escapes of
 *     unreserved characters (ALPHA DIGIT - . _ ~) decoded,
 *   - (already WHATWG) scheme and host lower-case, IDN hosts in punycode,
 *     IPv4/IPv6 hosts in their canonical notation, default port dropped,
 *     dot segments removed, backslashes as slashes, tabs/newlines stripped.
 * One exception keeps the form a fixed point of url_canonicalize: an escape
 * of an unreserved hex digit stays encoded when it follows a bare '%'
 * ("%%41" is not turned into "%A").
 *
 * Input is taken as UTF-8 (the query too, whatever the page's charset);
 * bytes that are not valid UTF-8 are percent-encoded as they are.  Non-ASCII
 * hosts go through libidn2 (UTS #46 non-transitional); ASCII hosts never do,
 * unless a label starts with "xn--" and must be checked.
 */
#ifndef CRAWLER_URL_H
#define CRAWLER_URL_H

#include <stddef.h>
#include <stdint.h>

#define URL_MAX 8192     /* longest canonical URL we produce, including NUL */
#define URL_IN_MAX 16384 /* longest input (after trimming) we accept */

enum url_status {
	URL_OK = 0,
	URL_E_INVALID,  /* not a URL: the WHATWG parser reports failure */
	URL_E_SCHEME,   /* a valid URL whose scheme is not http or https */
	URL_E_TOO_LONG, /* the canonical form would not fit in URL_MAX - 1 bytes
			 * (or in the caller's cap), or the trimmed input
			 * exceeds URL_IN_MAX bytes */
};

/* A parsed absolute http(s) URL used as the base of many resolutions, so
 * that resolving a relative reference never re-parses the base.
 * Opaque fields; filled by url_base_set, read-only afterwards. */
struct url_base {
	char href[URL_MAX]; /* canonical form of the base, NUL-terminated */
	size_t len;
	/* offsets into href: end of "scheme:", start and end of the host
	 * (after "//" and any userinfo, up to ":port" or path), start of the
	 * path, start of the query ('?' position) or len when none, and the
	 * last '/' of the path (where a path-relative reference is appended) */
	uint16_t scheme_end, host_start, host_end, path_start, query_start;
	uint16_t dir_end;
};

/* Parses `url` (absolute, http or https) as a base.  Returns URL_OK or an
 * error; on error *base is unusable. */
enum url_status url_base_set(struct url_base *base, const char *url, size_t len);

/* Resolves the reference `ref` (as found in an href: may be relative, have
 * leading/trailing C0 spaces, tabs, newlines, backslashes ...) against
 * `base` and writes its canonical form, NUL-terminated, to out[0..cap).
 * *out_len receives the length without the NUL.  A reference that is empty
 * or only a fragment resolves to the base itself (without fragment). */
enum url_status url_resolve(const struct url_base *base, const char *ref,
			    size_t ref_len, char *out, size_t cap,
			    size_t *out_len);

/* Canonicalizes an absolute URL (a seed, a Location with no base).
 * Same output contract as url_resolve. */
enum url_status url_canonicalize(const char *url, size_t len, char *out,
				 size_t cap, size_t *out_len);

/* 64-bit hash of a canonical URL, stable across runs and machines
 * (stored in the database): FNV-1a 64 over the bytes (offset basis
 * 0xcbf29ce484222325, prime 0x100000001b3).  Never change it: stored hashes
 * would stop matching. */
uint64_t url_hash(const char *canon, size_t len);

/* Given a canonical URL, returns the length of its authority prefix
 * "scheme://host[:port]" (so the origin is canon[0..returned)); when the URL
 * has userinfo the prefix includes it ("scheme://user@host[:port]"), since
 * the origin is then not a prefix.  The host alone (IPv6 with brackets)
 * goes to host and host_len, pointing into `canon`.  Returns 0 (and leaves
 * them alone) if `canon` does not look like canonical http(s). */
size_t url_origin(const char *canon, size_t len, const char **host,
		  size_t *host_len);

/* Static English description of a status, for messages. */
const char *url_status_str(enum url_status st);

#endif
