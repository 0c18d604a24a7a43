/* scope: which discovered URLs the crawl may fetch — the seeds' hosts (or
 * registrable domains, via the public suffix list), then --deny and --allow
 * patterns (PCRE2, JIT-compiled) matched against the canonical URL, then
 * the trap guards on the URL itself (--max-url-length, --max-repeats).  It
 * also drops the query parameters --strip-query names.
 *
 * Ownership: scope_new copies what it needs from its arguments; scope_free
 * releases everything.
 */
#ifndef CRAWLER_SCOPE_H
#define CRAWLER_SCOPE_H

#include <stddef.h>

#include "frontier.h"
#include "opt.h"

struct scope;

/* Compiles the patterns of cfg (which must outlive the scope).  NULL with a
 * malloc'ed *err naming the option and the pattern on a syntax error or
 * out-of-memory. */
struct scope *scope_new(const struct opt_config *cfg, char **err);
void scope_free(struct scope **s);

/* Adds the host of a canonical seed URL to the scope.  0 or -1 (OOM). */
int scope_add_seed(struct scope *s, const char *canon, size_t len);

/* Copies canonical URL canon (len bytes) into out (URL_MAX bytes) without
 * the query parameters whose names match --strip-query, and returns the new
 * length; an emptied query goes with its '?'. */
size_t scope_strip_query(const struct scope *s, const char *canon, size_t len,
			 char *out);

/* FRONTIER_QUEUE when canon is in scope, else the skip reason. */
enum frontier_skip scope_check(const struct scope *s, const char *canon,
			       size_t len);

#endif
