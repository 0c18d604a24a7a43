/* Fuzz target for parsers/url.c.  The input is "base\nref": the first line
 * is set as the base and the rest resolved against it; without a newline the
 * whole input is canonicalized as an absolute URL and also resolved against
 * a fixed base.  Every URL_OK output must be canonical http(s), shorter than
 * the cap, and a fixed point of url_canonicalize. */
#include "url.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIXED_BASE "http://user@example.com:8080/dir/page.html?q#f"

static void check_canonical(const char *out, size_t len)
{
	static char again[URL_MAX];
	size_t len2 = 0;
	const char *host = NULL;
	size_t host_len = 0;

	if (len >= URL_MAX || strlen(out) != len)
		abort();
	if (strncmp(out, "http://", 7) != 0 && strncmp(out, "https://", 8) != 0)
		abort();
	if (url_canonicalize(out, len, again, sizeof again, &len2) != URL_OK ||
	    len2 != len || memcmp(again, out, len) != 0)
		abort();
	if (url_origin(out, len, &host, &host_len) == 0 || host_len == 0)
		abort();
	(void)url_hash(out, len);
}

static void resolve(const struct url_base *base, const char *ref, size_t len)
{
	static char out[URL_MAX];
	size_t out_len = 0;

	if (url_resolve(base, ref, len, out, sizeof out, &out_len) == URL_OK)
		check_canonical(out, out_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct url_base base;
	static char out[URL_MAX];
	const char *s = (const char *)data;
	const char *nl = memchr(s, '\n', size);
	size_t out_len = 0;

	if (!nl) {
		if (url_canonicalize(s, size, out, sizeof out, &out_len) == URL_OK)
			check_canonical(out, out_len);
		if (url_base_set(&base, FIXED_BASE, strlen(FIXED_BASE)) != URL_OK)
			abort();
		resolve(&base, s, size);
		return 0;
	}
	if (url_base_set(&base, s, (size_t)(nl - s)) != URL_OK)
		return 0;
	check_canonical(base.href, base.len);
	resolve(&base, nl + 1, size - (size_t)(nl - s) - 1);
	return 0;
}
