/* sitemap: streaming parser for sitemaps (sitemaps.org protocol 0.9).
 *
 * A sitemap is read through a callback (from a spool or a file) and parsed
 * as a stream with libxml2's SAX2 push parser: no tree is built, and memory
 * stays bounded whatever the file's size.  Accepted forms:
 * <urlset> (pages, each with <loc> and an optional <lastmod>),
 * <sitemapindex> (child sitemaps, each with <loc> and optional <lastmod>),
 * and a plain-text sitemap (one absolute URL per line), chosen when the first
 * byte after a UTF-8 byte order mark and whitespace is not '<'.  gzip input
 * (magic 1f 8b, one or more members) is inflated on the fly, whatever the
 * Content-Type.  External entities and DTDs are never loaded.  Element names
 * are matched without regard to namespace, but <loc> and <lastmod> count
 * only as direct children of <url>/<sitemap> in the root's namespace (so
 * <image:loc> is never a page).  An empty document, or one whose root is
 * neither form, gives SITEMAP_UNKNOWN and no entries.
 *
 * Limits, per the protocol: at most SITEMAP_MAX_URLS entries and
 * SITEMAP_MAX_BYTES of decoded data; past either the parser stops reporting
 * entries and sets the matching flag, so a decompression bomb costs at most
 * SITEMAP_MAX_BYTES of inflating.  Malformed XML is never fatal: entries seen
 * before the fault are kept, and the fault is reported in the result.
 *
 * Values passed to the callback are trimmed of surrounding whitespace, with
 * character references, predefined entities and CDATA decoded, NUL-terminated,
 * and valid only during the call.  Entities a DTD declares are never stored
 * or expanded: the document is malformed from their first use.  `loc`
 * is as written (not resolved or canonicalized); `lastmod` is the W3C
 * datetime text as written, or NULL when absent, empty or longer than
 * SITEMAP_MAX_LASTMOD.  A text line or <loc> with a control byte is
 * dropped like an over-long one.
 *
 * Nothing is allocated that outlives a call; sitemap_parse is safe to call
 * from several threads at once.
 */
#ifndef CRAWLER_SITEMAP_H
#define CRAWLER_SITEMAP_H

#include <stdbool.h>
#include <stddef.h>

#define SITEMAP_MAX_URLS 50000
#define SITEMAP_MAX_BYTES (50u * 1024 * 1024)
#define SITEMAP_MAX_LOC 4096   /* longer <loc> values are dropped and counted */
#define SITEMAP_MAX_LASTMOD 64 /* longer <lastmod> values are passed as NULL */

enum sitemap_kind {
	SITEMAP_UNKNOWN,   /* not yet known, or neither form */
	SITEMAP_URLSET,
	SITEMAP_INDEX,
	SITEMAP_TEXT,
};

/* Called once per entry.  is_index: the entry names a child sitemap (it came
 * from a <sitemapindex>).  Return 0 to go on, non-zero to stop parsing. */
typedef int (*sitemap_entry_fn)(void *arg, const char *loc, const char *lastmod,
				bool is_index);

struct sitemap_result {
	enum sitemap_kind kind;
	size_t entries;        /* entries passed to the callback */
	size_t dropped;        /* entries without a usable <loc>; bad text lines */
	bool too_many;         /* stopped at SITEMAP_MAX_URLS */
	bool too_large;        /* stopped at SITEMAP_MAX_BYTES decoded */
	bool malformed;        /* XML error or broken gzip; entries before it kept */
	bool stopped;          /* the callback asked to stop */
};

/* Reads up to len bytes into buf; returns the count, 0 at the end, or -1 on
 * a read error (reported as malformed, as is a count over len).  Not called
 * again after it returned 0 or -1. */
typedef long (*sitemap_read_fn)(void *arg, char *buf, size_t len);

/* Parses one sitemap document read through `read`, calling `fn` per entry,
 * and fills *out.  Returns 0, or -1 only when out of memory. */
int sitemap_parse(sitemap_read_fn read, void *read_arg, sitemap_entry_fn fn,
		  void *fn_arg, struct sitemap_result *out);

#endif
