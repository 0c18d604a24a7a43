/* Fuzzes parsers/robots.  The first input line is a path and the rest the
 * robots.txt body; the body is matched against that path and some fixed
 * ones, for a product token picked by the last byte, then the whole input
 * is parsed again as a body.  Invariants: no crash, "/robots.txt" always
 * allowed, accessors consistent with their caps. */
#include "robots.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const products[] = {"crawler", "foobot", "a", "", "x-y_z"};

static const char *const paths[] = {
	"", "/", "/a", "/a/b?c=d", "/%7Efoo", "/~foo", "/a%2fb", "/%E3%83%84",
	"/index.html", "/*", "/$", "/%", "/%zz",
};

static void check_accessors(const struct robots *r)
{
	double d = robots_crawl_delay(r);
	size_t n = robots_sitemap_count(r);
	if (!(d < 0 || (isfinite(d) && d >= 0)) || n > ROBOTS_MAX_SITEMAPS ||
	    robots_sitemap(r, n) != NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *s = robots_sitemap(r, i);
		if (!s || strlen(s) == 0 || strlen(s) >= ROBOTS_MAX_BYTES)
			abort();
	}
}

static void exercise(const char *body, size_t len, const char *product,
		     const char *path, size_t path_len)
{
	struct robots *r = robots_parse(body, len, product);
	if (!r)
		return;
	if (!robots_allowed(r, "/robots.txt", 11))
		abort();
	bool first = robots_allowed(r, path, path_len);
	if (robots_allowed(r, path, path_len) != first)
		abort();
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		robots_allowed(r, paths[i], strlen(paths[i]));
	check_accessors(r);
	robots_free(&r);
	if (r)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t path_len = nl ? (size_t)(nl - s) : 0;
	size_t skip = nl ? path_len + 1 : 0;
	const char *product = size ? products[data[size - 1] %
					      (sizeof products / sizeof products[0])]
				   : "crawler";
	exercise(s + skip, size - skip, product, s, path_len);
	exercise(s, size, "crawler", "/", 1);
	return 0;
}
