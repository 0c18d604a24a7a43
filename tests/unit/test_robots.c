/* Tests for parsers/robots, mostly from RFC 9309's text and examples: groups
 * and their merging, longest match, Allow on a tie, '*' and '$',
 * percent-encoding, line syntax, Crawl-delay, Sitemap, the size limit, caps
 * and hostile patterns. */
#include "check.h"
#include "robots.h"

#include <math.h>
#include <stdlib.h>

/* 1 allowed, 0 disallowed, -1 when parsing failed. */
static int allowed_n(const char *txt, size_t len, const char *product,
		     const char *path)
{
	struct robots *r = robots_parse(txt, len, product);
	if (!r)
		return -1;
	int ok = robots_allowed(r, path, strlen(path));
	robots_free(&r);
	return ok;
}

static int allowed(const char *txt, const char *product, const char *path)
{
	return allowed_n(txt, strlen(txt), product, path);
}

static double delay(const char *txt, const char *product)
{
	struct robots *r = robots_parse(txt, strlen(txt), product);
	double d = r ? robots_crawl_delay(r) : -2;
	robots_free(&r);
	return d;
}

/* RFC 9309 section 5.1. */
static void test_rfc_example(void)
{
	const char *txt = "User-Agent: *\n"
			  "Disallow: *.gif$\n"
			  "Disallow: /example/\n"
			  "Allow: /publications/\n"
			  "\n"
			  "User-Agent: foobot\n"
			  "Disallow:/\n"
			  "Allow:/example/page.html\n"
			  "Allow:/example/allowed.gif\n"
			  "\n"
			  "User-Agent: barbot\n"
			  "User-Agent: bazbot\n"
			  "Disallow: /example/page.html\n"
			  "\n"
			  "User-Agent: quxbot\n";
	CHECK(allowed(txt, "foobot", "/example/page.html") == 1);
	CHECK(allowed(txt, "foobot", "/example/allowed.gif") == 1);
	CHECK(allowed(txt, "foobot", "/other") == 0);
	CHECK(allowed(txt, "barbot", "/example/page.html") == 0);
	CHECK(allowed(txt, "bazbot", "/example/page.html") == 0);
	CHECK(allowed(txt, "bazbot", "/example/other.gif") == 1);
	CHECK(allowed(txt, "quxbot", "/example/page.gif") == 1);
	CHECK(allowed(txt, "otherbot", "/a/b.gif") == 0);
	CHECK(allowed(txt, "otherbot", "/a/b.gif?x") == 1);
	CHECK(allowed(txt, "otherbot", "/example/x") == 0);
	CHECK(allowed(txt, "otherbot", "/publications/x") == 1);
}

static void test_longest_match(void)
{
	/* RFC 9309 section 5.2. */
	const char *txt = "User-Agent: foobot\n"
			  "Allow: /example/page/\n"
			  "Disallow: /example/page/disallowed.gif\n";
	CHECK(allowed(txt, "foobot", "/example/page/") == 1);
	CHECK(allowed(txt, "foobot", "/example/page/disallowed.gif") == 0);
	CHECK(allowed("User-agent: *\nAllow: /p\nDisallow: /\n", "x", "/page") == 1);
	CHECK(allowed("User-agent: *\nAllow: /page\nDisallow: /*.htm\n", "x",
		      "/page.htm") == 0);
	/* The Allow pattern "/x/page." is one octet longer than the Disallow one. */
	CHECK(allowed("User-agent: *\nAllow: /x/page.\nDisallow: /*.html\n",
		      "x", "/x/page.html") == 1);
}

static void test_allow_wins_tie(void)
{
	CHECK(allowed("User-agent: *\nAllow: /folder\nDisallow: /folder\n",
		      "x", "/folder/page") == 1);
	CHECK(allowed("User-agent: *\nDisallow: /folder\nAllow: /folder\n",
		      "x", "/folder/page") == 1);
	/* Same length, different patterns, both match: still Allow. */
	CHECK(allowed("User-agent: *\nDisallow: /a*c\nAllow: /ab*\n", "x",
		      "/abc") == 1);
}

static void test_wildcards(void)
{
	const char *php = "User-agent: *\nDisallow: /\nAllow: /*.php$\n";
	CHECK(allowed(php, "x", "/filename.php") == 1);
	CHECK(allowed(php, "x", "/folder/filename.php") == 1);
	CHECK(allowed(php, "x", "/filename.php?parameters") == 0);
	CHECK(allowed(php, "x", "/filename.php5") == 0);
	CHECK(allowed(php, "x", "/windows.PHP") == 0);
	const char *fish = "User-agent: *\nDisallow: /\nAllow: /fish*\n";
	CHECK(allowed(fish, "x", "/fish") == 1);
	CHECK(allowed(fish, "x", "/fishheads/yummy.html") == 1);
	CHECK(allowed(fish, "x", "/catfish") == 0);
	CHECK(allowed(fish, "x", "/Fish.asp") == 0);
	const char *mid = "User-agent: *\nDisallow: /foo/*/qux\n";
	CHECK(allowed(mid, "x", "/foo/bar/qux") == 0);
	CHECK(allowed(mid, "x", "/foo//qux") == 0);
	CHECK(allowed(mid, "x", "/foo/qux") == 1);
	const char *end = "User-agent: *\nDisallow: /foo/bar$\n";
	CHECK(allowed(end, "x", "/foo/bar") == 0);
	CHECK(allowed(end, "x", "/foo/bar/") == 1);
	CHECK(allowed(end, "x", "/foo/barbaz") == 1);
	/* '$' anywhere but the end is a literal. */
	const char *lit = "User-agent: *\nDisallow: /a$b\n";
	CHECK(allowed(lit, "x", "/a$b/c") == 0);
	CHECK(allowed(lit, "x", "/a") == 1);
	CHECK(allowed("User-agent: *\nAllow: /$\nDisallow: /\n", "x", "/") == 1);
	CHECK(allowed("User-agent: *\nAllow: /$\nDisallow: /\n", "x", "/p") == 0);
	/* An empty path is "/". */
	CHECK(allowed("User-agent: *\nDisallow: /$\n", "x", "") == 0);
}

static void test_percent_encoding(void)
{
	CHECK(allowed("User-agent: *\nDisallow: /%7Efoo\n", "x", "/~foo") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /~foo\n", "x", "/%7efoo") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /~foo\n", "x", "/%7Efoo/a") == 0);
	/* An encoded '/' is data, not a separator. */
	CHECK(allowed("User-agent: *\nDisallow: /a%2fb\n", "x", "/a/b") == 1);
	CHECK(allowed("User-agent: *\nDisallow: /a%2fb\n", "x", "/a%2Fb") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /a/b\n", "x", "/a%2Fb") == 1);
	/* RFC 9309 section 2.2.2's table. */
	CHECK(allowed("User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\n", "x",
		      "/foo/bar/%E3%83%84") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /foo/bar/\xE3\x83\x84\n", "x",
		      "/foo/bar/%e3%83%84") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", "x",
		      "/foo/bar/\xE3\x83\x84") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /foo/bar/%62%61%7A\n", "x",
		      "/foo/bar/baz") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /foo/bar/%E3%83%84\n", "x",
		      "/foo/bar/%E3%83%85") == 1);
	CHECK(allowed("User-agent: *\nDisallow: /a b\n", "x", "/a%20b") == 0);
	/* A query string compares as written. */
	CHECK(allowed("User-agent: *\nDisallow: /a?\n", "x", "/a?b") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /a?\n", "x", "/a") == 1);
	CHECK(allowed("User-agent: *\nDisallow: /a?\n", "x", "/ab") == 1);
	CHECK(allowed("User-agent: *\nDisallow: /a?b=c&d\n", "x",
		      "/a?b=c&d=e") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /x\n", "x", "/X") == 1);
}

static void test_user_agents(void)
{
	const char *txt = "User-agent: *\nDisallow: /all\n"
			  "User-agent: CRAWLER\nDisallow: /mine\n";
	CHECK(allowed(txt, "crawler", "/mine") == 0);
	CHECK(allowed(txt, "crawler", "/all") == 1);
	CHECK(allowed(txt, "Crawler", "/mine") == 0);
	CHECK(allowed(txt, "other", "/all") == 0);
	CHECK(allowed(txt, "other", "/mine") == 1);
	const char *ver = "User-agent: Crawler/1.0\nDisallow: /v\n";
	CHECK(allowed(ver, "crawler", "/v") == 0);
	const char *sp = "User-agent: crawler images\nDisallow: /v\n";
	CHECK(allowed(sp, "crawler", "/v") == 0);
	const char *longer = "User-agent: crawler-bot\nDisallow: /v\n"
			     "User-agent: crawl\nDisallow: /v\n";
	CHECK(allowed(longer, "crawler", "/v") == 1);
	CHECK(allowed(longer, "crawler-bot", "/v") == 0);
	CHECK(allowed("User-agent: bot2\nDisallow: /\n", "bot2", "/") == 0);
	CHECK(allowed("User-agent: *bot\nDisallow: /\n", "crawler", "/") == 1);
}

static void test_groups(void)
{
	const char *merged = "User-agent: crawler\nDisallow: /a\n"
			     "User-agent: other\nDisallow: /b\n"
			     "User-agent: crawler\nDisallow: /c\n";
	CHECK(allowed(merged, "crawler", "/a") == 0);
	CHECK(allowed(merged, "crawler", "/b") == 1);
	CHECK(allowed(merged, "crawler", "/c") == 0);
	const char *stars = "User-agent: *\nDisallow: /a\n"
			    "User-agent: other\nDisallow: /b\n"
			    "User-agent: *\nDisallow: /c\n";
	CHECK(allowed(stars, "crawler", "/a") == 0);
	CHECK(allowed(stars, "crawler", "/c") == 0);
	CHECK(allowed(stars, "crawler", "/b") == 1);
	/* Consecutive user-agent lines, blank lines or not, share a group. */
	const char *shared = "User-agent: other\n\nUser-agent: crawler\n"
			     "Disallow: /x\n";
	CHECK(allowed(shared, "crawler", "/x") == 0);
	CHECK(allowed(shared, "other", "/x") == 0);
	const char *none = "User-agent: a\nDisallow: /\nUser-agent: b\n"
			   "Disallow: /\n";
	CHECK(allowed(none, "crawler", "/x") == 1);
	CHECK(allowed("", "crawler", "/x") == 1);
	const char *before = "Disallow: /\nUser-agent: *\nDisallow: /x\n";
	CHECK(allowed(before, "crawler", "/a") == 1);
	CHECK(allowed(before, "crawler", "/x") == 0);
	/* An empty Disallow allows, and still ends the user-agent lines. */
	const char *empty = "User-agent: crawler\nDisallow:\n"
			    "User-agent: other\nDisallow: /\n";
	CHECK(allowed(empty, "crawler", "/x") == 1);
	CHECK(allowed(empty, "other", "/x") == 0);
	/* A rule-less group that names us still beats "*". */
	const char *bare = "User-agent: *\nDisallow: /\nUser-agent: crawler\n";
	CHECK(allowed(bare, "crawler", "/x") == 1);
}

static void test_line_syntax(void)
{
	const char *comments = "User-agent: * # everyone\n"
			       "Disallow: /a # not a\n"
			       "# Disallow: /b\n"
			       "Disallow: /c#d\n"
			       "Disallow: /e$   # trailing blanks go\n";
	CHECK(allowed(comments, "x", "/a") == 0);
	CHECK(allowed(comments, "x", "/e") == 0);
	CHECK(allowed(comments, "x", "/ee") == 1);
	CHECK(allowed(comments, "x", "/b") == 1);
	CHECK(allowed(comments, "x", "/c") == 0);
	CHECK(allowed("User-agent: *\r\nDisallow: /x\r\n", "c", "/x") == 0);
	CHECK(allowed("User-agent: *\rDisallow: /x\r", "c", "/x") == 0);
	CHECK(allowed("User-agent: *\nDisallow: /x", "c", "/x") == 0);
	CHECK(allowed("User-agent: a\r\rUser-agent: c\r\nAllow: /\rDisallow: /x",
		      "c", "/x") == 0);
	CHECK(allowed("\xEF\xBB\xBFUser-agent: *\nDisallow: /x\n", "c", "/x") == 0);
	CHECK(allowed("User-agent: *\nDisallow /x\n", "c", "/x") == 1);
	CHECK(allowed("  uSeR-aGeNt  :  *  \n\tDISALLOW\t:\t/x\t\n", "c",
		      "/x") == 0);
	CHECK(allowed("User-agent: *\nDisalow: /x\n", "c", "/x") == 0);
	CHECK(allowed("User agent: *\nDisallow: /x\n", "c", "/x") == 0);
	CHECK(allowed("User-agent: *\nDisallow: fish\n", "c", "/fish") == 0);
	CHECK(allowed("User-agent: *\nDisallow: fish\n", "c", "/catfish") == 1);
	static const char nul[] = "User-agent: *\nDisallow: /a\0b\nDisallow: /c\n";
	CHECK(allowed_n(nul, sizeof nul - 1, "c", "/c") == 0);
	CHECK(allowed_n(nul, sizeof nul - 1, "c", "/a%00b") == 0);
	CHECK(allowed_n(nul, sizeof nul - 1, "c", "/a") == 1);
}

static void test_crawl_delay(void)
{
	CHECK(delay("User-agent: *\nCrawl-delay: 10\n", "c") == 10);
	CHECK(delay("User-agent: *\nCrawl-delay: 0.5\n", "c") == 0.5);
	CHECK(fabs(delay("User-agent: *\ncrawl-delay : 2.25 # s\n", "c") - 2.25) < 1e-9);
	CHECK(delay("User-agent: *\nCrawl-delay: -1\n", "c") < 0);
	CHECK(delay("User-agent: *\nCrawl-delay: ten\n", "c") < 0);
	CHECK(delay("User-agent: *\nCrawl-delay: 1e3\n", "c") < 0);
	CHECK(delay("User-agent: *\nCrawl-delay:\n", "c") < 0);
	CHECK(delay("User-agent: *\nCrawl-delay: .\n", "c") < 0);
	CHECK(delay("User-agent: *\nDisallow: /\n", "c") < 0);
	CHECK(delay("Crawl-delay: 4\nUser-agent: *\nDisallow: /\n", "c") < 0);
	CHECK(delay("User-agent: *\nCrawl-delay: x\nCrawl-delay: 2\n"
		    "Crawl-delay: 3\n", "c") == 2);
	const char *two = "User-agent: *\nCrawl-delay: 5\n"
			  "User-agent: crawler\nCrawl-delay: 1\n";
	CHECK(delay(two, "crawler") == 1);
	CHECK(delay(two, "other") == 5);
	/* Crawl-delay ends the user-agent lines like a rule does. */
	const char *ends = "User-agent: crawler\nCrawl-delay: 1\n"
			   "User-agent: other\nDisallow: /\n";
	CHECK(allowed(ends, "crawler", "/x") == 1);
}

static void test_sitemaps(void)
{
	const char *txt = "Sitemap: http://a.test/one.xml\n"
			  "User-agent: other\nDisallow: /\n"
			  "sitemap:   http://a.test/two.xml   \n"
			  "Sitemap:\n"
			  "User-agent: *\nSITEMAP: http://b.test/three.xml\n";
	struct robots *r = robots_parse(txt, strlen(txt), "crawler");
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK(robots_sitemap_count(r) == 3);
	CHECK_STR(robots_sitemap(r, 0), "http://a.test/one.xml");
	CHECK_STR(robots_sitemap(r, 1), "http://a.test/two.xml");
	CHECK_STR(robots_sitemap(r, 2), "http://b.test/three.xml");
	CHECK(robots_sitemap(r, 3) == NULL);
	robots_free(&r);
	CHECK(r == NULL);

	char *many = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&many, &len);
	if (!f)
		return;
	for (int i = 0; i < ROBOTS_MAX_SITEMAPS + 5; i++)
		fprintf(f, "Sitemap: http://a.test/%d.xml\n", i);
	fclose(f);
	r = robots_parse(many, len, "crawler");
	CHECK(r && robots_sitemap_count(r) == ROBOTS_MAX_SITEMAPS);
	if (r)
		CHECK_STR(robots_sitemap(r, ROBOTS_MAX_SITEMAPS - 1),
			  "http://a.test/999.xml");
	robots_free(&r);
	free(many);
}

/* A body of exactly ROBOTS_MAX_BYTES of comments after "User-agent: *",
 * with `tail` written so that it starts `back` bytes before the limit. */
static char *at_limit(const char *tail, size_t back, size_t *len)
{
	const char *head = "User-agent: *\nDisallow: /early\n";
	size_t tl = strlen(tail), start = ROBOTS_MAX_BYTES - back;
	char *b = malloc(ROBOTS_MAX_BYTES + tl + 1);
	if (!b)
		return NULL;
	memset(b, '#', start);
	memcpy(b, head, strlen(head));
	b[start - 1] = '\n';
	memcpy(b + start, tail, tl);
	*len = start + tl;
	return b;
}

static void test_size_limit(void)
{
	size_t len;
	char *b = at_limit("Disallow: /late\n", 0, &len);
	CHECK(b && allowed_n(b, len, "c", "/early") == 0);
	CHECK(b && allowed_n(b, len, "c", "/late") == 1);
	free(b);
	b = at_limit("Disallow: /cut\n", 8, &len);
	CHECK(b && allowed_n(b, len, "c", "/cut") == 1);
	free(b);
	b = at_limit("Disallow: /in\n", 14, &len);
	CHECK(b && allowed_n(b, len, "c", "/in") == 0);
	free(b);
	/* The limit falls on the newline: the line is whole, so it counts. */
	b = at_limit("Disallow: /edge\n", 15, &len);
	CHECK(b && allowed_n(b, len, "c", "/edge") == 0);
	free(b);
}

static void test_canned(void)
{
	struct robots *a = robots_allow_all(), *d = robots_disallow_all();
	CHECK(a && robots_allowed(a, "/x", 2));
	CHECK(a && robots_crawl_delay(a) < 0 && robots_sitemap_count(a) == 0);
	CHECK(d && !robots_allowed(d, "/x", 2));
	CHECK(d && !robots_allowed(d, "", 0));
	CHECK(d && robots_allowed(d, "/robots.txt", 11));
	CHECK(d && !robots_allowed(d, "/robots.txtx", 12));
	robots_free(&a);
	robots_free(&d);
	robots_free(&d);
	robots_free(NULL);
	CHECK(d == NULL);
	const char *all = "User-agent: *\nDisallow: /\n";
	CHECK(allowed(all, "c", "/robots.txt") == 1);
	CHECK(allowed(all, "c", "/robots%2Etxt") == 1);
	CHECK(allowed(all, "c", "/robots.txt?x") == 0);
}

static void test_caps(void)
{
	char *txt = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&txt, &len);
	if (!f)
		return;
	fputs("User-agent: *\nDisallow: /", f);
	for (int i = 0; i < 2100; i++)
		fputc('z', f);
	fputc('\n', f);
	for (int i = 0; i <= 10000; i++)
		fprintf(f, "Disallow: /r%d$\n", i);
	fclose(f);
	struct robots *r = robots_parse(txt, len, "c");
	CHECK(r && !robots_allowed(r, "/r9999", 6));
	CHECK(r && robots_allowed(r, "/r10000", 7));
	CHECK(r && robots_allowed(r, "/zzzzzzzzzzzzzzzzzzzzzzzzzz", 27));
	robots_free(&r);
	free(txt);
}

/* A robots.txt with one pattern of `stars` "*a" pairs, or a '*' then
 * `run` a's when stars is 0, followed by `end`. */
static char *hostile(int stars, int run, const char *end)
{
	char *txt = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&txt, &len);
	if (!f)
		return NULL;
	fputs("User-agent: *\nDisallow: /", f);
	for (int i = 0; i < stars; i++)
		fputs("*a", f);
	if (!stars)
		fputc('*', f);
	for (int i = 0; i < run; i++)
		fputc('a', f);
	fprintf(f, "%s\n", end);
	fclose(f);
	return txt;
}

static void test_hostile(void)
{
	size_t n = ROBOTS_MAX_PATH;
	char *path = malloc(n + 2);
	char *stars = hostile(6, 0, "*b"), *anchored = hostile(6, 0, "*b$");
	char *run = hostile(0, 200, "b");
	if (!path || !stars || !anchored || !run)
		goto out;
	/* "/b0123456789" then a's: every unit of the patterns is in the path,
	 * so no shortcut skips the walk. */
	memset(path, 'a', n);
	memcpy(path, "/b0123456789", 12);
	path[n] = 0;
	CHECK(allowed(stars, "c", path) == 1);
	CHECK(allowed(anchored, "c", path) == 1);
	CHECK(allowed(run, "c", path) == 1);
	path[n - 1] = 'b';
	CHECK(allowed(stars, "c", path) == 0);
	CHECK(allowed(anchored, "c", path) == 0);
	CHECK(allowed(run, "c", path) == 0);
	path[n - 1] = 'a';

	/* Thousands of such patterns run out of the work budget: disallowed. */
	char *many = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&many, &len);
	if (f) {
		fputs("User-agent: *\n", f);
		for (int i = 0; i < 5000; i++)
			fprintf(f, "Allow: /*a*a*a*a*a*a*a*a*a*b%d\n", i);
		fclose(f);
		CHECK(allowed_n(many, len, "c", path) == 0);
		CHECK(allowed_n(many, len, "c", "/aab1") == 1);
	}
	free(many);
	/* Longer than any URL we make: politely disallowed. */
	path[n] = 'a';
	path[n + 1] = 0;
	CHECK(allowed("", "c", path) == 0);
out:
	free(path);
	free(stars);
	free(anchored);
	free(run);
}

int main(void)
{
	test_rfc_example();
	test_longest_match();
	test_allow_wins_tie();
	test_wildcards();
	test_percent_encoding();
	test_user_agents();
	test_groups();
	test_line_syntax();
	test_crawl_delay();
	test_sitemaps();
	test_size_limit();
	test_canned();
	test_caps();
	test_hostile();
	return check_report();
}
