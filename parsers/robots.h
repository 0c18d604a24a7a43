/* robots: robots.txt parsing and matching (RFC 9309).
 *
 * robots_parse reads a robots.txt body once and keeps only what applies to
 * one crawler: the rules of the groups whose user-agent line matches its
 * product token (case-insensitively; several such groups are merged), else
 * those of the "*" groups, plus every Sitemap: line.  Only the first
 * ROBOTS_MAX_BYTES are parsed, as RFC 9309 allows.  Nothing in the content is
 * an error: unknown lines are ignored, lines without a colon are skipped, a
 * UTF-8 BOM is skipped, CR, LF and CRLF all end lines.
 *
 * Matching (robots_allowed) follows the RFC: the rule with the longest
 * pattern that matches wins, Allow wins a tie, "*" matches any run of
 * characters, "$" at the end anchors the pattern, and percent-encoding is
 * compared on the decoded octet for unreserved characters and on the
 * uppercase-hex form otherwise (so "/%7Efoo" and "/~foo" are the same path,
 * and "/a%2fb" is not "/a/b").  An empty Disallow allows everything.
 * "/robots.txt" itself is always allowed.  A pattern that does not start
 * with '/' or '*' is read with a '/' in front ("Disallow: fish" disallows
 * "/fish"), the polite reading of a common mistake.
 *
 * Memory stays bounded on hostile files: at most 10,000 rules are kept for
 * our groups and as many for "*", and a pattern longer than 2 KiB once
 * normalized is ignored.
 *
 * Ownership: robots_parse returns a struct the caller owns and frees with
 * robots_free; strings returned by accessors belong to it and live as long
 * as it.  A struct is immutable once returned, so several threads may match
 * against it at once.
 */
#ifndef CRAWLER_ROBOTS_H
#define CRAWLER_ROBOTS_H

#include <stdbool.h>
#include <stddef.h>

#define ROBOTS_MAX_BYTES (500 * 1024)

struct robots;

/* Parses body (len bytes, not NUL-terminated, may contain NULs) for the
 * crawler whose product token is `product` (e.g. "crawler"; letters, digits,
 * '-' and '_').  Returns NULL only when out of memory. */
struct robots *robots_parse(const char *body, size_t len, const char *product);

/* Rules that allow everything (robots.txt answered 4xx) or nothing (5xx or
 * unreachable).  Same ownership as robots_parse. */
struct robots *robots_allow_all(void);
struct robots *robots_disallow_all(void);

/* path is the URL's path and query as sent in the request line
 * ("/a/b?c=d"; "" counts as "/").  True when the crawler may fetch it.
 * Never allocates.  Politely false for a path longer than ROBOTS_MAX_PATH
 * (longer than any URL the crawler makes), and for a robots.txt so hostile
 * that matching one path exceeds a fixed work budget. */
#define ROBOTS_MAX_PATH 8192
bool robots_allowed(const struct robots *r, const char *path, size_t len);

/* The Crawl-delay of the chosen group in seconds, or a negative value when it
 * has none (or an unparsable one).  Fractions are kept ("0.5"). */
double robots_crawl_delay(const struct robots *r);

/* The Sitemap: URLs in file order, as written (trimmed), at most
 * ROBOTS_MAX_SITEMAPS. */
#define ROBOTS_MAX_SITEMAPS 1000
size_t robots_sitemap_count(const struct robots *r);
const char *robots_sitemap(const struct robots *r, size_t i);

/* NULL-safe; sets *r to NULL. */
void robots_free(struct robots **r);

#endif
