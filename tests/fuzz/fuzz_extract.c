/* Fuzzes parsers/extract: one fixed rule set (XPath and regex rules, first
 * match and all, a URL limit) applied to the input as a page, with the
 * header charset chosen by the first byte and the URL by the length; the
 * output must be valid JSON within the caps. */
#include "extract.h"
#include "json_check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const rule_specs[] = {
	"title=xpath://title",
	"links[]=xpath://a/@href",
	"paras[]=xpath://p",
	"count=xpath:count(//*)",
	"meta=xpath:string(//meta[@name='description']/@content)",
	"texts[]=xpath://body//text()",
	"deepest=xpath:(//*[not(*)])[last()]",
	"price=regex:price:\\s*(\\d+(?:\\.\\d+)?)",
	"words[]=regex:\\w+",
	"empty[]=regex:x*",
	"tag=regex:<([a-z]+)",
};
static const char *const url_limits[] = { "tag=/only/" };

/* '<' (60) picks index 4: most seeds let the document decide */
static const char *const charsets[] = {
	"utf-8", "iso-8859-1", "shift_jis", "utf-16le", NULL, "x-bogus",
	"windows-1251", NULL,
};

static struct extract_rules *rules; /* built once, like the crawler's */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules) {
		char *err = NULL;
		rules = extract_rules_new(rule_specs,
					  sizeof rule_specs / sizeof *rule_specs,
					  url_limits, 1, &err);
		if (!rules)
			abort();
	}
	const char *charset = size ? charsets[data[0] % (sizeof charsets /
							 sizeof *charsets)] : NULL;
	const char *url = size & 1 ? "http://a.test/only/x" : "http://a.test/";
	const char *json;
	size_t len;
	if (extract_apply(rules, url, strlen(url), (const char *)data, size,
			  charset, &json, &len) ||
	    len > EXTRACT_MAX_JSON || strlen(json) != len || !json_check(json, len))
		abort();
	return 0;
}
