/* Fuzzes parsers/html: the input goes in three chunks (split points and the
 * header charset taken from the input itself), then again whole after a
 * reset of the same parser, and the result's invariants are checked. */
#include "html.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const charsets[] = {
	NULL, NULL, "utf-8", "iso-8859-1", "shift_jis", "utf-16le", "x-bogus",
	"windows-1251",
};

static void check_result(const struct html_result *r)
{
	if (r->n_links > HTML_MAX_LINKS || (r->n_links > 0 && !r->links))
		abort();
	for (size_t i = 0; i < r->n_links; i++) {
		const struct html_link *l = &r->links[i];
		if (!l->href || strlen(l->href) != l->len ||
		    l->len > HTML_MAX_HREF || l->kind > HTML_ASSET_MEDIA ||
		    (l->flags & ~HTML_F_NOFOLLOW))
			abort();
	}
	if (r->title && strlen(r->title) > HTML_MAX_TITLE)
		abort();
	if (r->base_href && strlen(r->base_href) > HTML_MAX_HREF)
		abort();
}

static void feed_in_three(struct html_parser *p, const uint8_t *data,
			  size_t size)
{
	size_t a = size ? (data[0] * 131u + data[size - 1]) % (size + 1) : 0;
	size_t b = a + (size > a ? data[size / 2] % (size - a + 1) : 0);
	const char *s = (const char *)data;
	if (html_parser_feed(p, s, a) || html_parser_feed(p, s + a, b - a) ||
	    html_parser_feed(p, s + b, size - b))
		abort();
}

static void content_type(const uint8_t *data, size_t size)
{
	char text[256], charset[16];
	size_t n = size < sizeof text ? size : sizeof text - 1;
	memcpy(text, data, n);
	text[n] = 0;
	int html = html_content_type_parse(text, charset, sizeof charset);
	if ((html != 0 && html != 1) || strlen(charset) >= sizeof charset)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *charset =
		size ? charsets[data[size - 1] % (sizeof charsets /
						  sizeof charsets[0])] : NULL;
	struct html_parser *p = html_parser_new(charset);
	struct html_result r;
	if (!p)
		return 0;
	feed_in_three(p, data, size);
	if (html_parser_finish(p, &r))
		abort();
	check_result(&r);

	if (html_parser_reset(p, NULL) ||
	    html_parser_feed(p, (const char *)data, size) ||
	    html_parser_finish(p, &r))
		abort();
	check_result(&r);
	html_parser_free(&p);
	content_type(data, size);
	return 0;
}
