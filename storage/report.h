/* report: read-only views of a crawl directory for `crawler status` and
 * `crawler why`.  They open crawl.db read-only, so they work while a crawl
 * runs (WAL mode) and never change it.
 *
 * Both return 0 on success, 1 when the thing asked about does not exist (no
 * crawl in dir; a URL the crawl does not know), -1 on an error; messages go
 * to `err` (stderr) prefixed "crawler: ".
 */
#ifndef CRAWLER_REPORT_H
#define CRAWLER_REPORT_H

#include <stdint.h>
#include <stdio.h>

/* Counts by state, status code and error class, hosts, bytes received and
 * archived, the rate of the latest run, and whether a crawl is running. */
int report_status(const char *dir, FILE *out, FILE *err);

/* A URL's story: canonical form (and the spelling given, when different),
 * state and reason, where it was first found, its fetch, its redirects.
 * hash is url_hash(canon), the indexed key. */
int report_why(const char *dir, const char *canon, uint64_t hash,
	       const char *given, FILE *out, FILE *err);

/* The redirect chain that starts at a URL, hop by hop (aiohttp's
 * `history`): each hop's status and target, then where the chain ends and
 * why it stops there (a final answer, a loop, a target not followed). */
int report_history(const char *dir, const char *canon, uint64_t hash, FILE *out,
		   FILE *err);

#endif
