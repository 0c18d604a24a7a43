/* extract: extraction rules applied to HTML pages — XPath (libxml2) and
 * regular expressions (PCRE2) — producing one JSON object per page.
 *
 * Rule syntax (the --extract option and the `extract` config key):
 *     NAME=xpath:EXPR      first node/string the XPath yields, as text
 *     NAME=regex:PATTERN   first match: its first capture group if it has
 *                          one (empty when that group took no part in the
 *                          match), else the whole match
 *     NAME[]=...           every match instead of the first (a JSON array)
 * and the URL limits (--extract-url):
 *     NAME=REGEX           the rule NAME applies only to URLs in which REGEX
 *                          finds a match (NAME[] is accepted too); one limit
 *                          per rule, alternatives go in the REGEX with |
 * NAME is [A-Za-z_][A-Za-z0-9_-]*, at most EXTRACT_MAX_NAME bytes, unique;
 * at most EXTRACT_MAX_RULES rules.  Patterns are PCRE2 in UTF mode.
 *
 * The page is decoded as browsers do (parsers/charset.h: BOM, else the
 * Content-Type charset, else <meta> in the first 1024 bytes, else UTF-8 if
 * the first non-ASCII bytes are, else windows-1252); ill-formed UTF-8 and
 * NUL bytes become U+FFFD.  XPath runs on libxml2's HTML DOM of that text,
 * regexes on the text itself (the source, markup included).  libxml2 stops
 * building the DOM at 256 nested elements (its depth limit): XPath does not
 * see what comes after that point, regexes do.
 *
 * Values: an XPath yielding elements (or the document) gives their text
 * content — the text of every descendant, <script> and <style> included,
 * with runs of HTML whitespace collapsed to one space and none at either
 * end; text nodes, CDATA and comments are collapsed the same way;
 * attributes give their value as is (entities decoded, whitespace kept).
 * An XPath yielding a string gives it as is (use normalize-space() to
 * collapse it), a number its XPath string ("3", "NaN"), a boolean "true" or
 * "false".  Regex values are the matched text as is.
 *
 * Output: a JSON object with one member per rule that applies to the URL, in
 * rule order: "name": "value" | null (no match) for first-match rules,
 * "name": [...] ([] for none) for NAME[] rules.  Always valid UTF-8 JSON,
 * control characters escaped as \u00XX.  Caps: at most EXTRACT_MAX_VALUES
 * values per rule; each value cut at EXTRACT_MAX_VALUE bytes (of UTF-8, at a
 * character boundary); the whole object at most EXTRACT_MAX_JSON bytes: the
 * first value that would not fit and every value after it are dropped (a
 * first-match rule then gives null).  Work per page is bounded too: an
 * XPath evaluation past libxml2's step limit and a regex match past PCRE2's
 * match or heap limit count as no (further) match.
 *
 * Thread safety: a rule set is used by one thread at a time (it holds
 * matching state, extract_applies included).  Ownership: extract_rules_new
 * returns a set freed with extract_rules_free; the JSON from extract_apply
 * is owned by the set, NUL-terminated, and valid until the next
 * extract_apply or extract_rules_free.
 */
#ifndef CRAWLER_EXTRACT_H
#define CRAWLER_EXTRACT_H

#include <stddef.h>

#define EXTRACT_MAX_DOCUMENT (16 * 1024 * 1024) /* larger pages are not extracted */
#define EXTRACT_MAX_VALUE (64 * 1024)
#define EXTRACT_MAX_JSON (1024 * 1024)
#define EXTRACT_MAX_VALUES 10000
#define EXTRACT_MAX_NAME 64
#define EXTRACT_MAX_RULES 1000

struct extract_rules;

/* Compiles the rules and URL limits.  On error returns NULL with a malloc'ed
 * *err (the caller frees it) naming the rule as given and what is wrong
 * ("--extract 'price=xpath://[': invalid XPath expression",
 * "--extract-url 'nosuch=x': no rule named 'nosuch'"); *err is NULL when
 * memory ran out.  XPath expressions are also evaluated once on an empty
 * document, so unknown functions and variables are startup errors. */
struct extract_rules *extract_rules_new(const char *const *rules, size_t n_rules,
					const char *const *url_limits,
					size_t n_limits, char **err);

/* Frees the set and sets *r to NULL; NULL-safe. */
void extract_rules_free(struct extract_rules **r);

/* Whether any rule applies to url (cheap: URL limits only). */
int extract_applies(const struct extract_rules *r, const char *url, size_t url_len);

/* Applies the rules that apply to url to the HTML document doc[0..len),
 * whose charset is `charset` (from Content-Type; NULL: detect as browsers
 * do).  *json receives the object ("{}" when no rule applies).  Malformed
 * HTML is never an error.  Returns 0, or -1 on out-of-memory. */
int extract_apply(struct extract_rules *r, const char *url, size_t url_len,
		  const char *doc, size_t len, const char *charset,
		  const char **json, size_t *json_len);

#endif
