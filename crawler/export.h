/* export: `crawler export` and `crawler show` — the crawl's pages out of
 * crawl.db and the WARC archive, streamed in constant memory, also while a
 * crawl runs (crawl.db is read in WAL mode, read-only, in one snapshot).
 * docs/export.md is the user's reference.
 *
 * Formats: JSON Lines (one object per URL row, in id order; always valid
 * UTF-8, invalid bytes replaced by U+FFFD), CSV (RFC 4180, header row, CRLF,
 * the same U+FFFD rule), WARC (the selected rows' request and response
 * records, each its own zstd frame — copied as stored — or gzip member, or
 * plain, after a warcinfo record describing the export and, before the first
 * record of each source segment, that segment's own warcinfo record).
 *
 * Fields (--fields, comma-separated; default: url,final_url,status,
 * content_type,length,fetched_at,depth,parent,title,links,error,extracted):
 *   url, final_url (the end of its redirect chain; null when it loops or
 *   reaches 20 hops), redirects (the chain: [{"url","status","location"}
 *   ...], one element per hop, "url" the URL that answered), state, status,
 *   content_type, length, fetched_at (ISO 8601 UTC, milliseconds), depth,
 *   parent (URL), via, title, links (out-link count), error, error_detail,
 *   reason, payload_digest, extracted (all extracted fields: the stored
 *   object in JSON, one column per rule in CSV, a rule's array as JSON text
 *   in its cell), or a rule's NAME alone.  Rule names are those of the
 *   `extract` options recorded in the runs table.  --with-body text|raw adds
 *   "body" to JSON Lines: decoded to UTF-8, or base64 of the bytes as stored.
 * Filters (--where, repeatable, all must hold; values comma-separated, any
 * may match): state=done,failed  status=200-299,404,5xx
 * content-type=text/html (prefix, case-insensitive, so parameters do not
 * matter)  host=example.org (exact, of the canonical URL)  error=dns,timeout.
 */
#ifndef CRAWLER_EXPORT_H
#define CRAWLER_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "opt.h"

/* Runs `crawler export` with cfg's export options, writing to cfg->out
 * ("-": stdout; a regular file is written as FILE.partial-XXXXXX and renamed
 * when complete).  Returns 0, 1 on a missing crawl or an I/O or database
 * error, 2 on a bad field, filter or option combination (message names it,
 * nothing is written).  Messages go to err. */
int export_run(const struct opt_config *cfg, FILE *err);

/* Prints the stored response of a canonical URL (HTTP headers, a blank
 * line, the body as stored) to out.  hash is url_hash(canon).  Returns 0, 1
 * when the URL is unknown or has no stored response, -1 on an error. */
int export_show(const char *dir, const char *canon, uint64_t hash, FILE *out,
		FILE *err);

#endif
