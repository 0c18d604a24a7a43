/* Fuzzes parsers/sitemap: the input is read through the callback in chunks
 * whose sizes come from the input itself, then again in one read; every
 * entry's invariants are checked, and two clean parses must agree. */
#include "sitemap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct feed {
	const uint8_t *data;
	size_t size, off, reads;
	bool chunked;
};

static long feed_read(void *arg, char *buf, size_t len)
{
	struct feed *f = arg;
	size_t n = f->size - f->off;
	if (f->chunked && n > 0) {
		size_t step = 1 + f->data[(f->reads * 31 + 7) % f->size] % 97;
		if (n > step)
			n = step;
	}
	if (n > len)
		n = len;
	memcpy(buf, f->data + f->off, n);
	f->off += n;
	f->reads++;
	return (long)n;
}

struct tally {
	size_t calls;
	uint64_t hash;            /* of every value, in order */
};

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return (h ^ 0xff) * 1099511628211u;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int on_entry(void *arg, const char *loc, const char *lastmod,
		    bool is_index)
{
	struct tally *t = arg;
	size_t len = strlen(loc);
	if (len == 0 || len > SITEMAP_MAX_LOC || is_space(loc[0]) ||
	    is_space(loc[len - 1]))
		abort();
	if (lastmod && (strlen(lastmod) == 0 ||
			strlen(lastmod) > SITEMAP_MAX_LASTMOD))
		abort();
	t->calls++;
	t->hash = hash_str(t->hash, loc);
	t->hash = hash_str(t->hash, lastmod ? lastmod : "");
	t->hash = t->hash * 31 + is_index;
	return 0;
}

static void parse(const uint8_t *data, size_t size, bool chunked,
		  struct sitemap_result *r, struct tally *t)
{
	struct feed f = {data, size, 0, 0, chunked};
	memset(t, 0, sizeof *t);
	if (sitemap_parse(feed_read, &f, on_entry, t, r) != 0)
		abort();
	if (r->entries > SITEMAP_MAX_URLS || r->entries != t->calls ||
	    r->kind > SITEMAP_TEXT || r->stopped)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sitemap_result a, b;
	struct tally ta, tb;
	parse(data, size, true, &a, &ta);
	parse(data, size, false, &b, &tb);
	if (!a.malformed && !b.malformed &&
	    (a.kind != b.kind || a.entries != b.entries ||
	     a.dropped != b.dropped || ta.hash != tb.hash))
		abort();
	return 0;
}
