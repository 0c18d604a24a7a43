/* Unit tests for parsers/extract: XPath and regex rules, URL limits,
 * charsets, JSON escaping, caps, creation errors and hostile documents.
 * Every JSON output is checked with the strict validator the fuzzer uses. */
#include "check.h"
#include "../fuzz/json_check.h"
#include "extract.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define URL "http://example.com/products/1"

static char *last; /* the last output, owned here */

/* Applies the rules to doc and returns a copy of the JSON (valid until the
 * next call), or NULL when the rules did not compile or apply failed. */
static const char *apply_to(const char *const *rules, size_t n,
			    const char *const *limits, size_t n_limits,
			    const char *url, const char *doc, size_t len,
			    const char *charset)
{
	char *err = NULL;
	const char *json;
	size_t json_len;
	free(last);
	last = NULL;
	struct extract_rules *r = extract_rules_new(rules, n, limits, n_limits,
						    &err);
	if (!r) {
		fprintf(stderr, "rules: %s\n", err ? err : "out of memory");
		free(err);
		return NULL;
	}
	if (extract_apply(r, url, strlen(url), doc, len, charset, &json,
			  &json_len) == 0) {
		CHECK(json_check(json, json_len));
		CHECK(strlen(json) == json_len);
		last = strndup(json, json_len);
	}
	extract_rules_free(&r);
	return last;
}

static const char *one(const char *rule, const char *doc)
{
	return apply_to(&rule, 1, NULL, 0, URL, doc, strlen(doc), NULL);
}

static const char *one_cs(const char *rule, const char *doc,
			  const char *charset)
{
	return apply_to(&rule, 1, NULL, 0, URL, doc, strlen(doc), charset);
}

static void check_error(const char *rule, const char *limit, const char *want)
{
	char *err = NULL;
	struct extract_rules *r = extract_rules_new(&rule, rule ? 1 : 0,
						    limit ? &limit : NULL,
						    limit ? 1 : 0, &err);
	CHECK(r == NULL);
	CHECK_STR(err, want);
	free(err);
	extract_rules_free(&r);
}

static const char page[] =
	"<!DOCTYPE html><html><head><title>  Hello \n\t World  </title>"
	"<meta name=description content='A &amp; B'></head><body>"
	"<h1> A  B </h1>"
	"<div id=x><p>One</p>\n<p>Two <b>three</b></p></div>"
	"<a href=' /a?x=1&amp;y=2 '>first</a><a href=/b>second</a>"
	"<a href=/c>third</a>"
	"<p class=price>price: 42 EUR</p><!-- note: hidden -->"
	"<script>var s = 'a<b';</script>"
	"</body></html>";

static void test_xpath(void)
{
	CHECK_STR(one("t=xpath://title", page), "{\"t\":\"Hello World\"}");
	CHECK_STR(one("t=xpath://title/text()", page), "{\"t\":\"Hello World\"}");
	CHECK_STR(one("h=xpath://a/@href", page), "{\"h\":\" /a?x=1&y=2 \"}");
	CHECK_STR(one("h[]=xpath://a/@href", page),
		  "{\"h\":[\" /a?x=1&y=2 \",\"/b\",\"/c\"]}");
	CHECK_STR(one("d=xpath://meta[@name='description']/@content", page),
		  "{\"d\":\"A & B\"}");
	CHECK_STR(one("x=xpath://div[@id='x']", page),
		  "{\"x\":\"One Two three\"}");
	CHECK_STR(one("p[]=xpath://div/p", page),
		  "{\"p\":[\"One\",\"Two three\"]}");
	CHECK_STR(one("n=xpath:count(//a)", page), "{\"n\":\"3\"}");
	CHECK_STR(one("n[]=xpath:count(//a)", page), "{\"n\":[\"3\"]}");
	CHECK_STR(one("n=xpath:count(//a) div 2", page), "{\"n\":\"1.5\"}");
	CHECK_STR(one("s=xpath:string(//h1)", page), "{\"s\":\" A  B \"}");
	CHECK_STR(one("s=xpath:normalize-space(//h1)", page), "{\"s\":\"A B\"}");
	CHECK_STR(one("b=xpath:boolean(//a)", page), "{\"b\":\"true\"}");
	CHECK_STR(one("b=xpath:boolean(//table)", page), "{\"b\":\"false\"}");
	CHECK_STR(one("c=xpath://comment()", page), "{\"c\":\"note: hidden\"}");
	CHECK_STR(one("s=xpath://script", page), "{\"s\":\"var s = 'a<b';\"}");
	CHECK_STR(one("a=xpath://a[2]", page), "{\"a\":\"second\"}");
	CHECK_STR(one("n=xpath:(//p)[1]/namespace::*", page),
		  "{\"n\":\"http://www.w3.org/XML/1998/namespace\"}");
	/* no match */
	CHECK_STR(one("t=xpath://table", page), "{\"t\":null}");
	CHECK_STR(one("t[]=xpath://table", page), "{\"t\":[]}");
	CHECK_STR(one("t=xpath://table/@id", page), "{\"t\":null}");
	CHECK_STR(one("s=xpath:string(//table)", page), "{\"s\":\"\"}");
	/* an empty element is a match with an empty value */
	CHECK_STR(one("e=xpath://i", "<p><i></i></p>"), "{\"e\":\"\"}");
}

static void test_regex(void)
{
	CHECK_STR(one("p=regex:price: (\\d+)", page), "{\"p\":\"42\"}");
	CHECK_STR(one("p=regex:price: \\d+", page), "{\"p\":\"price: 42\"}");
	CHECK_STR(one("w[]=regex:\\d+", "a1b22c333"),
		  "{\"w\":[\"1\",\"22\",\"333\"]}");
	CHECK_STR(one("w=regex:\\d+", "a1b22c333"), "{\"w\":\"1\"}");
	CHECK_STR(one("w[]=regex:(\\d)\\d*", "a1b22c333"),
		  "{\"w\":[\"1\",\"2\",\"3\"]}");
	CHECK_STR(one("e[]=regex:x*", "ab"), "{\"e\":[\"\",\"\",\"\"]}");
	CHECK_STR(one("e[]=regex:", "\xc3\xa9"), "{\"e\":[\"\",\"\"]}");
	CHECK_STR(one("g=regex:a(b)?", "ac"), "{\"g\":\"\"}");
	CHECK_STR(one("m=regex:nothing", page), "{\"m\":null}");
	CHECK_STR(one("m[]=regex:nothing", page), "{\"m\":[]}");
	/* the source, markup and entities as written */
	CHECK_STR(one("c=regex:<!--(.*?)-->", page), "{\"c\":\" note: hidden \"}");
	CHECK_STR(one("h=regex:href=' ([^']*)", page), "{\"h\":\"/a?x=1&amp;y=2 \"}");
	/* UTF mode: . is one character */
	CHECK_STR(one("u=regex:prix (.)", "prix \xc3\xa9t\xc3\xa9"),
		  "{\"u\":\"\xc3\xa9\"}");
	CHECK_STR(one("i=regex:(?i)HELLO", page), "{\"i\":\"Hello\"}");
	CHECK_STR(one("k[]=regex:a\\Kb", "ab ab"), "{\"k\":[\"b\",\"b\"]}");
}

static void test_order_and_reuse(void)
{
	const char *rules[] = { "z=xpath://h1", "a[]=regex:[0-9]+", "m=xpath://x" };
	const char *json = apply_to(rules, 3, NULL, 0, URL, page, strlen(page),
				    NULL);
	/* <h1> and </h1> hold digits too */
	CHECK_STR(json, "{\"z\":\"A B\",\"a\":[\"1\",\"1\",\"1\",\"2\",\"42\"],"
		  "\"m\":null}");

	char *err = NULL;
	struct extract_rules *r = extract_rules_new(rules, 3, NULL, 0, &err);
	const char *j1, *j2;
	size_t l1, l2;
	CHECK(r && extract_apply(r, URL, strlen(URL), page, strlen(page), NULL,
				 &j1, &l1) == 0);
	char *copy = r ? strndup(j1, l1) : NULL;
	CHECK(r && extract_apply(r, URL, strlen(URL), "<h1>x</h1>", 10, NULL,
				 &j2, &l2) == 0);
	CHECK_STR(r ? j2 : NULL, "{\"z\":\"x\",\"a\":[\"1\",\"1\"],\"m\":null}");
	CHECK(r && extract_apply(r, URL, strlen(URL), page, strlen(page), NULL,
				 &j2, &l2) == 0);
	CHECK_STR(r ? j2 : NULL, copy);
	free(copy);
	extract_rules_free(&r);
	CHECK(r == NULL);
	extract_rules_free(&r); /* NULL-safe */
	extract_rules_free(NULL);
}

static void test_url_limits(void)
{
	const char *rules[] = { "price=regex:price: (\\d+)", "title=xpath://title" };
	const char *limits[] = { "price=/products/" };
	CHECK_STR(apply_to(rules, 2, limits, 1, "http://example.com/products/9",
			   page, strlen(page), NULL),
		  "{\"price\":\"42\",\"title\":\"Hello World\"}");
	CHECK_STR(apply_to(rules, 2, limits, 1, "http://example.com/about",
			   page, strlen(page), NULL),
		  "{\"title\":\"Hello World\"}");

	const char *limits2[] = { "price[]=^https://", "title=\\.html$" };
	char *err = NULL;
	struct extract_rules *r = extract_rules_new(rules, 2, limits2, 2, &err);
	CHECK(r != NULL);
	if (!r)
		return;
	const char *a = "https://example.com/", *b = "http://example.com/x.html",
		   *c = "http://example.com/x.htm";
	CHECK(extract_applies(r, a, strlen(a)) == 1);
	CHECK(extract_applies(r, b, strlen(b)) == 1);
	CHECK(extract_applies(r, c, strlen(c)) == 0);
	const char *json;
	size_t len;
	CHECK(extract_apply(r, c, strlen(c), page, strlen(page), NULL, &json,
			    &len) == 0);
	CHECK_STR(json, "{}");
	CHECK(len == 2);
	extract_rules_free(&r);

	r = extract_rules_new(NULL, 0, NULL, 0, &err);
	CHECK(r != NULL && extract_applies(r, a, strlen(a)) == 0);
	extract_rules_free(&r);
}

static void test_charsets(void)
{
	const char *t = "t=xpath://title", *re = "r=regex:caf.";
	const char latin1[] = "<title>caf\xe9</title>";
	CHECK_STR(one_cs(t, latin1, "iso-8859-1"), "{\"t\":\"caf\xc3\xa9\"}");
	CHECK_STR(one_cs(re, latin1, "iso-8859-1"), "{\"r\":\"caf\xc3\xa9\"}");
	CHECK_STR(one("t=xpath://title",
		      "<meta charset=\"ISO-8859-1\"><title>caf\xe9</title>"),
		  "{\"t\":\"caf\xc3\xa9\"}");
	CHECK_STR(one("t=xpath://title",
		      "<meta http-equiv=Content-Type content='text/html; "
		      "charset=windows-1252'><title>\x93q\x94 \x80</title>"),
		  "{\"t\":\"\xe2\x80\x9cq\xe2\x80\x9d \xe2\x82\xac\"}");
	/* undeclared: windows-1252 unless the bytes are UTF-8 */
	CHECK_STR(one(t, latin1), "{\"t\":\"caf\xc3\xa9\"}");
	CHECK_STR(one(t, "<title>caf\xc3\xa9</title>"), "{\"t\":\"caf\xc3\xa9\"}");
	/* the header wins over the meta, the BOM over both */
	CHECK_STR(one_cs(t, "<meta charset=iso-8859-1><title>caf\xc3\xa9</title>",
			 "utf-8"), "{\"t\":\"caf\xc3\xa9\"}");
	CHECK_STR(one_cs(t, "\xef\xbb\xbf<title>caf\xc3\xa9</title>",
			 "iso-8859-1"), "{\"t\":\"caf\xc3\xa9\"}");
	CHECK_STR(one_cs(t, "<title>\x82\xa0</title>", "shift_jis"),
		  "{\"t\":\"\xe3\x81\x82\"}");
	/* an unknown header charset falls through to the meta */
	CHECK_STR(one_cs(t, "<meta charset=iso-8859-1><title>\xe9</title>",
			 "x-nonsense"), "{\"t\":\"\xc3\xa9\"}");
	const char utf16[] = "\xff\xfe<\0t\0i\0t\0l\0e\0>\0\xe9\0<\0/\0t\0i\0"
			     "t\0l\0e\0>\0";
	CHECK_STR(apply_to(&t, 1, NULL, 0, URL, utf16, sizeof utf16 - 1, NULL),
		  "{\"t\":\"\xc3\xa9\"}");
}

static void test_escaping(void)
{
	CHECK_STR(one("a=xpath://a/@title",
		      "<a title='say \"hi\" \\ back&#9;tab&#10;nl'>x</a>"),
		  "{\"a\":\"say \\\"hi\\\" \\\\ back\\u0009tab\\u000anl\"}");
	CHECK_STR(one("r=regex:a.b", "a\x01" "b"), "{\"r\":\"a\\u0001b\"}");
	CHECK_STR(one("r=regex:a.b", "a\x1f" "b"), "{\"r\":\"a\\u001fb\"}");
	/* ill-formed UTF-8 becomes U+FFFD, one per maximal subpart */
	CHECK_STR(one_cs("t=xpath://title", "<title>a\xff" "b</title>", "utf-8"),
		  "{\"t\":\"a\xef\xbf\xbd" "b\"}");
	CHECK_STR(one_cs("r=regex:a.*b", "a\xe2\x82z\xed\xa0\x80" "b", "utf-8"),
		  "{\"r\":\"a\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		  "b\"}");
	CHECK_STR(one("t=xpath://title",
		      "<title>\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80</title>"),
		  "{\"t\":\"\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"}");
	const char nul[] = "<title>a\0b</title>";
	const char *t = "t=xpath://title";
	CHECK_STR(apply_to(&t, 1, NULL, 0, URL, nul, sizeof nul - 1, NULL),
		  "{\"t\":\"a\xef\xbf\xbd" "b\"}");
}

/* n copies of s, or NULL. */
static char *repeat(const char *s, size_t n, const char *head, const char *tail)
{
	size_t len = strlen(s), hl = strlen(head), tl = strlen(tail);
	char *out = malloc(hl + len * n + tl + 1);
	if (!out)
		return NULL;
	memcpy(out, head, hl);
	for (size_t i = 0; i < n; i++)
		memcpy(out + hl + i * len, s, len);
	memcpy(out + hl + n * len, tail, tl + 1);
	return out;
}

static void test_caps(void)
{
	/* a value stops at EXTRACT_MAX_VALUE bytes, on a character boundary */
	char *big = repeat("\xc3\xa9", 40000, "<title>", "</title>");
	const char *json = big ? one("t=xpath://title", big) : NULL;
	CHECK(json && strlen(json) == 8 + EXTRACT_MAX_VALUE);
	free(big);
	/* EXTRACT_MAX_VALUES per rule */
	big = repeat("<a href=x>y</a>", 20000, "<body>", "</body>");
	json = big ? one("h[]=xpath://a/@href", big) : NULL;
	CHECK(json && strlen(json) == 8 + 4 * EXTRACT_MAX_VALUES - 1);
	free(big);
	/* the whole object: values past EXTRACT_MAX_JSON are dropped */
	big = repeat("a", 3 << 20, "", "");
	const char *rules[] = { "a[]=regex:a{60000}", "b=regex:a" };
	json = big ? apply_to(rules, 2, NULL, 0, URL, big, 3 << 20, NULL) : NULL;
	CHECK(json && strlen(json) <= EXTRACT_MAX_JSON);
	CHECK(json && strlen(json) > EXTRACT_MAX_JSON - 60010);
	CHECK(json && strcmp(json + strlen(json) - 11, "],\"b\":null}") == 0);
	free(big);
}

static void test_errors(void)
{
	check_error("x", NULL,
		    "--extract 'x': expected NAME=xpath:EXPR or NAME=regex:PATTERN");
	check_error("x=css:p", NULL,
		    "--extract 'x=css:p': expected NAME=xpath:EXPR or "
		    "NAME=regex:PATTERN");
	check_error("p=xpath://[", NULL,
		    "--extract 'p=xpath://[': invalid XPath expression");
	check_error("p=xpath:", NULL,
		    "--extract 'p=xpath:': invalid XPath expression");
	check_error("p=xpath:nosuch(//a)", NULL,
		    "--extract 'p=xpath:nosuch(//a)': invalid XPath expression");
	check_error("p=xpath:$v", NULL,
		    "--extract 'p=xpath:$v': invalid XPath expression");
	check_error("p=regex:(", NULL,
		    "--extract 'p=regex:(': missing closing parenthesis at offset 1");
	check_error("1p=regex:a", NULL,
		    "--extract '1p=regex:a': NAME must be [A-Za-z_][A-Za-z0-9_-]*, "
		    "at most 64 characters");
	check_error("=regex:a", NULL,
		    "--extract '=regex:a': NAME must be [A-Za-z_][A-Za-z0-9_-]*, "
		    "at most 64 characters");
	check_error("a.b=regex:a", NULL,
		    "--extract 'a.b=regex:a': NAME must be [A-Za-z_][A-Za-z0-9_-]*, "
		    "at most 64 characters");
	check_error(NULL, "q=x", "--extract-url 'q=x': no rule named 'q'");
	check_error("p=regex:a", "q=x", "--extract-url 'q=x': no rule named 'q'");
	check_error("p=regex:a", "p", "--extract-url 'p': expected NAME=REGEX");
	check_error("p=regex:a", "p=(",
		    "--extract-url 'p=(': missing closing parenthesis at offset 1");

	const char *dup[] = { "p=regex:a", "p[]=xpath://a" };
	char *err = NULL;
	struct extract_rules *r = extract_rules_new(dup, 2, NULL, 0, &err);
	CHECK(r == NULL);
	CHECK_STR(err, "--extract 'p[]=xpath://a': duplicate rule name 'p'");
	free(err);
	const char *two[] = { "p=a", "p=b" };
	r = extract_rules_new(dup, 1, two, 2, &err);
	CHECK(r == NULL);
	CHECK_STR(err, "--extract-url 'p=b': rule 'p' already has a URL limit "
		       "(join the two with |)");
	free(err);
	/* dashes, underscores and 64 characters are fine */
	const char *ok = "_a-1234567890123456789012345678901234567890123456789012"
			 "234567890=regex:a";
	r = extract_rules_new(&ok, 1, NULL, 0, &err);
	CHECK(r != NULL);
	extract_rules_free(&r);
	const char *too_long = "_a-123456789012345678901234567890123456789012345678"
			       "90123456789012=regex:a";
	r = extract_rules_new(&too_long, 1, NULL, 0, &err);
	CHECK(r == NULL && err && strstr(err, "at most 64 characters"));
	free(err);
}

static void test_hostile(void)
{
	CHECK_STR(one("b[]=xpath://b",
		      "<div><p>unclosed <b>bold <i>x</div></p></b><<>>&&#;</zz"),
		  "{\"b\":[\"bold x\"]}");
	/* 100,000 nested divs: values or nothing, never a crash */
	char *deep = repeat("<div>", 100000, "<html><body>", "deep");
	const char *rules[] = { "n=xpath:count(//div)", "t=xpath://body",
				"d=xpath://div[last()]", "r=regex:deep" };
	const char *json = deep ? apply_to(rules, 4, NULL, 0, URL, deep,
					   strlen(deep), NULL) : NULL;
	CHECK(json != NULL);
	CHECK(json && strstr(json, "\"r\":\"deep\"") != NULL);
	free(deep);
	/* CDATA is not HTML: libxml2 takes it as a bogus comment */
	CHECK(one("c=xpath://div", "<div><![CDATA[x<y]]>z</div>") != NULL);
	CHECK(one("c[]=xpath://text()", "<svg><![CDATA[a]]></svg>") != NULL);
	/* a 1 MB attribute gives a capped value */
	char *attr = repeat("x", 1 << 20, "<a href=\"", "\">y</a>");
	json = attr ? one("h=xpath://a/@href", attr) : NULL;
	CHECK(json && strlen(json) == 8 + EXTRACT_MAX_VALUE);
	CHECK(attr && one("h=xpath://a", attr) &&
	      strcmp(last, "{\"h\":\"y\"}") == 0);
	free(attr);
	/* the empty document */
	const char *all[] = { "a=xpath://a", "b[]=xpath://a", "c=xpath:count(//a)",
			      "d=regex:x", "e[]=regex:x*" };
	CHECK_STR(apply_to(all, 5, NULL, 0, URL, "", 0, NULL),
		  "{\"a\":null,\"b\":[],\"c\":\"0\",\"d\":null,\"e\":[\"\"]}");
	CHECK_STR(apply_to(all, 5, NULL, 0, URL, NULL, 0, NULL),
		  "{\"a\":null,\"b\":[],\"c\":\"0\",\"d\":null,\"e\":[\"\"]}");
	CHECK_STR(apply_to(all, 5, NULL, 0, URL, "\xef\xbb\xbf", 3, "utf-8"),
		  "{\"a\":null,\"b\":[],\"c\":\"0\",\"d\":null,\"e\":[\"\"]}");
}

/* Nothing goes to stderr, whatever libxml2 thinks of the input. */
static void test_silence(void)
{
	FILE *tmp = tmpfile();
	int saved = dup(2);
	CHECK(tmp && saved >= 0);
	if (!tmp || saved < 0)
		return;
	fflush(stderr);
	dup2(fileno(tmp), 2);
	char *err = NULL;
	const char *bad[] = { "p=xpath:///[[", "p=xpath:nosuch(1)", "p=regex:(" };
	struct extract_rules *r;
	for (int i = 0; i < 3; i++) {
		r = extract_rules_new(&bad[i], 1, NULL, 0, &err);
		CHECK(r == NULL && err != NULL);
		free(err);
	}
	const char *rules[] = { "a=xpath://a", "x=xpath:string(//p)" };
	r = extract_rules_new(rules, 2, NULL, 0, &err);
	const char *doc = "<html><p>&bogus; <a href=\"x>\xff</b></i>\x01<!-- x";
	const char *json;
	size_t len;
	int rc = r ? extract_apply(r, URL, strlen(URL), doc, strlen(doc), NULL,
				   &json, &len) : -1;
	extract_rules_free(&r);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	struct stat st;
	CHECK(rc == 0);
	CHECK(fstat(fileno(tmp), &st) == 0 && st.st_size == 0);
	fclose(tmp);
}

int main(void)
{
	test_xpath();
	test_regex();
	test_order_and_reuse();
	test_url_limits();
	test_charsets();
	test_escaping();
	test_caps();
	test_errors();
	test_hostile();
	test_silence();
	free(last);
	return check_report();
}
