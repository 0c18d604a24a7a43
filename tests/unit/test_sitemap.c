/* Tests for parsers/sitemap: both XML forms with and without namespaces,
 * values (entities, CDATA, whitespace, extensions), plain text, gzip (made
 * here with zlib, some of it on the fly), limits, faults and hostile XML. */
#include "check.h"
#include "sitemap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

static struct sitemap_result R;
static char *S;               /* entries of the last parse, one a line */

/* ---- readers ---- */

struct mem {
	const char *data;
	size_t len, off;
	size_t step;              /* bytes per read at most; 0: as asked */
	long fail_at;             /* fail once off reaches it; -1: never */
	int ends;                 /* reads that returned 0 or -1 */
};

static long mem_read(void *arg, char *buf, size_t len)
{
	struct mem *m = arg;
	if (m->fail_at >= 0 && m->off >= (size_t)m->fail_at) {
		m->ends++;
		return -1;
	}
	size_t n = m->len - m->off;
	m->ends += n == 0;
	if (n > len)
		n = len;
	if (m->step && n > m->step)
		n = m->step;
	memcpy(buf, m->data + m->off, n);
	m->off += n;
	return (long)n;
}

/* head, then item count times, then tail: big documents without the
 * memory they would take. */
struct gen {
	const char *head, *item, *tail;
	size_t count;
	size_t part, off, done; /* part 0 head, 1 items, 2 tail, 3 end */
};

static long gen_read(void *arg, char *buf, size_t len)
{
	struct gen *g = arg;
	size_t got = 0;
	while (got < len && g->part < 3) {
		const char *s = g->part == 0 ? g->head :
				g->part == 1 ? g->item : g->tail;
		size_t n = strlen(s) - g->off;
		if (n > len - got)
			n = len - got;
		memcpy(buf + got, s + g->off, n);
		got += n;
		g->off += n;
		if (s[g->off])
			continue;
		g->off = 0;
		if (g->part != 1 || ++g->done >= g->count)
			g->part++;
	}
	return (long)got;
}

/* gzips what an inner reader gives, as it is read. */
struct gz {
	sitemap_read_fn inner;
	void *inner_arg;
	z_stream z;
	char in[16384];
	bool inner_end, end;
	size_t produced;          /* compressed bytes handed out */
};

static int gz_init(struct gz *g, sitemap_read_fn inner, void *inner_arg)
{
	memset(g, 0, sizeof *g);
	g->inner = inner;
	g->inner_arg = inner_arg;
	return deflateInit2(&g->z, 6, Z_DEFLATED, 16 + 15, 8,
			    Z_DEFAULT_STRATEGY) == Z_OK ? 0 : -1;
}

static long gz_read(void *arg, char *buf, size_t len)
{
	struct gz *g = arg;
	g->z.next_out = (Bytef *)buf;
	g->z.avail_out = (uInt)len;
	while (g->z.avail_out > 0 && !g->end) {
		if (g->z.avail_in == 0 && !g->inner_end) {
			long n = g->inner(g->inner_arg, g->in, sizeof g->in);
			if (n < 0)
				return -1;
			g->inner_end = n == 0;
			g->z.next_in = (Bytef *)g->in;
			g->z.avail_in = (uInt)n;
		}
		int rc = deflate(&g->z, g->inner_end ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_END)
			g->end = true;
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return -1;
	}
	g->produced += len - g->z.avail_out;
	return (long)(len - g->z.avail_out);
}

/* doc gzipped into a malloc'd buffer (the caller frees it). */
static char *gzip_doc(const char *doc, size_t *out_len)
{
	struct mem m = {doc, strlen(doc), 0, 0, -1, 0};
	struct gz g;
	size_t cap = strlen(doc) + 1024;
	char *out = malloc(cap);
	if (!out || gz_init(&g, mem_read, &m)) {
		free(out);
		return NULL;
	}
	long n = gz_read(&g, out, cap);
	deflateEnd(&g.z);
	if (n <= 0 || !g.end) {
		free(out);
		return NULL;
	}
	*out_len = (size_t)n;
	return out;
}

/* ---- parsing into R and S ---- */

struct sink {
	FILE *f;
	size_t stop_after;        /* ask to stop after this many; 0: never */
	size_t seen;
};

static int on_entry(void *arg, const char *loc, const char *lastmod,
		    bool is_index)
{
	struct sink *k = arg;
	fprintf(k->f, "%s|%s|%c\n", loc, lastmod ? lastmod : "-",
		is_index ? 'I' : 'U');
	return k->stop_after && ++k->seen >= k->stop_after;
}

static int run_stop(sitemap_read_fn read, void *arg, size_t stop_after)
{
	size_t len;
	struct sink k = {NULL, stop_after, 0};
	free(S);
	S = NULL;
	k.f = open_memstream(&S, &len);
	if (!k.f)
		return -2;
	int rc = sitemap_parse(read, arg, on_entry, &k, &R);
	fclose(k.f);
	return rc;
}

static int run(sitemap_read_fn read, void *arg)
{
	return run_stop(read, arg, 0);
}

static int parse_step(const char *doc, size_t len, size_t step)
{
	struct mem m = {doc, len, 0, step, -1, 0};
	int rc = run(mem_read, &m);
	/* the reader is never called again once it said the end */
	CHECK(m.ends <= 1);
	return rc;
}

static int parse(const char *doc)
{
	return parse_step(doc, strlen(doc), 0);
}

static bool clean(void)
{
	return !R.too_many && !R.too_large && !R.malformed && !R.stopped;
}

#define NS "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\""

/* ---- tests ---- */

static void test_urlset(void)
{
	CHECK(parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset " NS
		    ">\n <url>\n  <loc>http://a.example/</loc>\n"
		    "  <lastmod>2005-01-01</lastmod>\n"
		    "  <changefreq>monthly</changefreq>\n </url>\n"
		    " <url><loc>http://a.example/b</loc></url>\n</urlset>\n")
	      == 0);
	CHECK(R.kind == SITEMAP_URLSET);
	CHECK(R.entries == 2 && R.dropped == 0 && clean());
	CHECK_STR(S, "http://a.example/|2005-01-01|U\nhttp://a.example/b|-|U\n");

	CHECK(parse("<urlset><url><loc>http://x/</loc><lastmod>"
		    "2004-12-23T18:00:15+00:00</lastmod></url></urlset>") == 0);
	CHECK(R.kind == SITEMAP_URLSET && R.entries == 1 && clean());
	CHECK_STR(S, "http://x/|2004-12-23T18:00:15+00:00|U\n");

	/* a prefixed root, and the older Google namespace */
	CHECK(parse("<sm:urlset xmlns:sm=\"http://www.sitemaps.org/schemas/"
		    "sitemap/0.9\"><sm:url><sm:loc>http://p/</sm:loc></sm:url>"
		    "</sm:urlset>") == 0);
	CHECK_STR(S, "http://p/|-|U\n");
	CHECK(parse("<urlset xmlns=\"http://www.google.com/schemas/sitemap/"
		    "0.84\"><url><loc>http://g/</loc></url></urlset>") == 0);
	CHECK_STR(S, "http://g/|-|U\n");
}

static void test_index(void)
{
	CHECK(parse("<?xml version='1.0'?><sitemapindex " NS "><sitemap>"
		    "<loc>http://a/s1.xml.gz</loc><lastmod>2004-10-01T18:23:17"
		    "+00:00</lastmod></sitemap><sitemap><loc>http://a/s2.xml"
		    "</loc></sitemap></sitemapindex>") == 0);
	CHECK(R.kind == SITEMAP_INDEX && R.entries == 2 && clean());
	CHECK_STR(S, "http://a/s1.xml.gz|2004-10-01T18:23:17+00:00|I\n"
		     "http://a/s2.xml|-|I\n");
	/* a <url> inside an index is not an entry */
	CHECK(parse("<sitemapindex><url><loc>http://u/</loc></url>"
		    "</sitemapindex>") == 0);
	CHECK(R.kind == SITEMAP_INDEX && R.entries == 0);
}

static void test_values(void)
{
	CHECK(parse("<urlset " NS "><url><loc><![CDATA[http://a/?x=1&y=<2>]]>"
		    "</loc></url><url><loc>http://a/?p=1&amp;q=&#50;&#x33;&lt;"
		    "</loc></url><url><loc>\r\n\t  http://a/ws \n </loc>"
		    "<lastmod>  2020-02-02 </lastmod></url></urlset>") == 0);
	CHECK(R.entries == 3 && R.dropped == 0);
	CHECK_STR(S, "http://a/?x=1&y=<2>|-|U\nhttp://a/?p=1&q=23<|-|U\n"
		     "http://a/ws|2020-02-02|U\n");

	/* empty, missing, and blank <loc>s are dropped; empty lastmod: NULL */
	CHECK(parse("<urlset><url><loc></loc></url><url><lastmod>2001"
		    "</lastmod></url><url><loc> \n </loc></url><url/>"
		    "<url><loc/></url><url><loc>http://k/</loc><lastmod/>"
		    "</url></urlset>") == 0);
	CHECK(R.entries == 1 && R.dropped == 5 && clean());
	CHECK_STR(S, "http://k/|-|U\n");

	/* only the first <loc> of a url counts */
	CHECK(parse("<urlset><url><loc>http://1/</loc><loc>http://2/</loc>"
		    "</url></urlset>") == 0);
	CHECK_STR(S, "http://1/|-|U\n");
}

static void test_extensions(void)
{
	CHECK(parse("<urlset " NS " xmlns:image=\"http://www.google.com/"
		    "schemas/sitemap-image/1.1\" xmlns:news=\"http://www.google"
		    ".com/schemas/sitemap-news/0.9\"><url><image:image>"
		    "<image:loc>http://a/img.jpg</image:loc></image:image>"
		    "<loc>http://a/page</loc></url>"
		    "<url><image:loc>http://a/direct.jpg</image:loc>"
		    "<loc>http://a/p2</loc><news:news><news:loc>x</news:loc>"
		    "</news:news></url><url><image:image><image:loc>http://a/"
		    "only.jpg</image:loc></image:image></url></urlset>") == 0);
	CHECK(R.entries == 2 && R.dropped == 1 && clean());
	CHECK_STR(S, "http://a/page|-|U\nhttp://a/p2|-|U\n");

	/* an undeclared prefix is a namespace error, not a fatal one */
	CHECK(parse("<urlset><url><image:loc>http://a/i.jpg</image:loc>"
		    "<loc>http://a/q</loc></url></urlset>") == 0);
	CHECK_STR(S, "http://a/q|-|U\n");
	CHECK(!R.too_large && !R.too_many);
}

static void test_lengths(void)
{
	static char doc[3 * SITEMAP_MAX_LOC];
	char loc[SITEMAP_MAX_LOC + 2];
	memset(loc, 'a', sizeof loc);
	memcpy(loc, "http://", 7);
	loc[SITEMAP_MAX_LOC] = 0;
	snprintf(doc, sizeof doc, "<urlset><url><loc>\n  %s  \n</loc></url>"
		 "<url><loc>%sb</loc></url></urlset>", loc, loc);
	CHECK(parse(doc) == 0);
	CHECK(R.entries == 1 && R.dropped == 1);
	CHECK(strlen(S) == SITEMAP_MAX_LOC + 5);

	char lastmod[SITEMAP_MAX_LASTMOD + 2];
	memset(lastmod, '1', sizeof lastmod);
	lastmod[SITEMAP_MAX_LASTMOD + 1] = 0;
	snprintf(doc, sizeof doc, "<urlset><url><loc>http://l/</loc><lastmod>"
		 "%s</lastmod></url></urlset>", lastmod);
	CHECK(parse(doc) == 0);
	CHECK_STR(S, "http://l/|-|U\n");
}

static void test_text(void)
{
	CHECK(parse("http://t/1\nhttp://t/2\n\n   \n  http://t/3  \nhttp://t/4")
	      == 0);
	CHECK(R.kind == SITEMAP_TEXT && R.entries == 4 && R.dropped == 0);
	CHECK_STR(S, "http://t/1|-|U\nhttp://t/2|-|U\nhttp://t/3|-|U\n"
		     "http://t/4|-|U\n");
	CHECK(parse("\xef\xbb\xbfhttp://t/1\r\nhttp://t/2\r\n\r\n") == 0);
	CHECK(R.kind == SITEMAP_TEXT && R.entries == 2);
	CHECK_STR(S, "http://t/1|-|U\nhttp://t/2|-|U\n");

	/* an over-long line and one with a control byte are dropped */
	static char doc[2 * SITEMAP_MAX_LOC];
	memset(doc, 'x', SITEMAP_MAX_LOC + 1);
	strcpy(doc + SITEMAP_MAX_LOC + 1, "\nhttp://t/ok\nhttp://t/\x01\n");
	CHECK(parse(doc) == 0);
	CHECK(R.entries == 1 && R.dropped == 2);
	CHECK_STR(S, "http://t/ok|-|U\n");
}

static void test_sniffing(void)
{
	CHECK(parse("") == 0);
	CHECK(R.kind == SITEMAP_UNKNOWN && R.entries == 0 && clean());
	CHECK(parse(" \n\t\r\n") == 0);
	CHECK(R.kind == SITEMAP_UNKNOWN && R.entries == 0 && clean());
	/* a BOM and whitespace before the XML declaration are forgiven */
	CHECK(parse("\xef\xbb\xbf \n <?xml version='1.0'?><urlset><url><loc>"
		    "http://b/</loc></url></urlset>") == 0);
	CHECK(R.kind == SITEMAP_URLSET && R.entries == 1 && clean());
	/* an HTML page is no sitemap */
	CHECK(parse("<html><body><url><loc>http://h/</loc></url></body></html>")
	      == 0);
	CHECK(R.kind == SITEMAP_UNKNOWN && R.entries == 0);
}

static const char medium[] =
	"<?xml version='1.0' encoding='UTF-8'?>\n<urlset " NS ">\n"
	"<url><loc>http://m/1</loc><lastmod>2021-01-01</lastmod></url>\n"
	"<url><loc><![CDATA[http://m/2?a=1&b=2]]></loc></url>\n"
	"<url><loc>  http://m/3?a=1&amp;b=&#233;  </loc></url>\n"
	"<url><image:image xmlns:image='urn:i'><image:loc>http://m/i</image:loc>"
	"</image:image><loc>http://m/4</loc></url>\n"
	"<url><loc>http://m/5</loc><lastmod>2021-05-05T10:00:00Z</lastmod>"
	"</url>\n</urlset>\n";

static void test_read_sizes(void)
{
	CHECK(parse(medium) == 0);
	char *whole = strdup(S);
	CHECK(R.entries == 5 && clean());
	size_t steps[] = {1, 2, 3, 7, 64};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		CHECK(parse_step(medium, strlen(medium), steps[i]) == 0);
		CHECK(R.entries == 5 && clean());
		CHECK_STR(S, whole);
	}
	const char *text = "\xef\xbb\xbf  http://t/1\r\n\r\nhttp://t/2\n";
	CHECK(parse(text) == 0);
	char *text_whole = strdup(S);
	CHECK(parse_step(text, strlen(text), 1) == 0);
	CHECK(R.entries == 2);
	CHECK_STR(S, text_whole);
	free(text_whole);
	free(whole);
}

static void test_gzip(void)
{
	size_t len;
	char *gz = gzip_doc(medium, &len);
	CHECK(gz != NULL);
	if (!gz)
		return;
	CHECK(parse(medium) == 0);
	char *plain = strdup(S);
	CHECK(parse_step(gz, len, 0) == 0);
	CHECK(R.kind == SITEMAP_URLSET && R.entries == 5 && clean());
	CHECK_STR(S, plain);
	CHECK(parse_step(gz, len, 1) == 0);
	CHECK_STR(S, plain);

	/* cut short: malformed, the entries before the cut kept */
	CHECK(parse_step(gz, len - 20, 0) == 0);
	CHECK(R.malformed && R.entries >= 3 && R.entries < 5);
	CHECK(strncmp(S, plain, strlen(S)) == 0);
	/* a corrupt body */
	char *bad = malloc(len);
	memcpy(bad, gz, len);
	memset(bad + 12, 0xff, len - 24);
	CHECK(parse_step(bad, len, 0) == 0);
	CHECK(R.malformed);
	free(bad);
	free(gz);
	free(plain);
}

static void test_gzip_members(void)
{
	size_t la, lb;
	char *a = gzip_doc("<urlset><url><loc>http://z/1</loc></url>", &la);
	char *b = gzip_doc("<url><loc>http://z/2</loc></url></urlset>\n", &lb);
	char *both = malloc(la + lb + 8);
	CHECK(a && b && both);
	if (!a || !b || !both)
		goto out;
	memcpy(both, a, la);
	memcpy(both + la, b, lb);
	CHECK(parse_step(both, la + lb, 5) == 0);
	CHECK(R.entries == 2 && clean());
	CHECK_STR(S, "http://z/1|-|U\nhttp://z/2|-|U\n");
	/* padding after the last member ends the stream cleanly */
	memset(both + la + lb, 0, 8);
	CHECK(parse_step(both, la + lb + 8, 0) == 0);
	CHECK(R.entries == 2 && clean());
	/* a gzipped text sitemap */
	free(a);
	a = gzip_doc("http://z/t1\nhttp://z/t2\n", &la);
	CHECK(a && parse_step(a, la, 0) == 0);
	CHECK(R.kind == SITEMAP_TEXT && R.entries == 2 && clean());
out:
	free(a);
	free(b);
	free(both);
}

/* 200 MB of zeros inside XML elements, gzipped as it is read: the parse
 * must end at SITEMAP_MAX_BYTES with the entry before the bomb kept. */
static void test_gzip_bomb(void)
{
	static char item[4096 + 16];
	memset(item, '0', sizeof item);
	memcpy(item, "<z>", 3);
	strcpy(item + sizeof item - 5, "</z>");
	struct gen g = {"<urlset><url><loc>http://bomb/</loc></url>", item,
			"</urlset>", 200u * 1024 * 1024 / (sizeof item - 1),
			0, 0, 0};
	struct gz z;
	CHECK(gz_init(&z, gen_read, &g) == 0);
	CHECK(run(gz_read, &z) == 0);
	CHECK(R.too_large && !R.malformed && R.entries == 1);
	CHECK_STR(S, "http://bomb/|-|U\n");
	/* it stopped reading near the cap (deflate reads ahead of what it
	 * hands out, by up to ~16 MB here) */
	CHECK(g.done < g.count / 2);
	deflateEnd(&z.z);
}

/* Exactly SITEMAP_MAX_BYTES is allowed, one byte more is not; a run of
 * whitespace inside XML counts like anything else. */
static void test_byte_cap(void)
{
	static char head[1025], item[1025];
	memset(head, ' ', 1024);
	memcpy(head, "http://n/\n", 10);
	memset(item, '\n', 1024);
	struct gen g = {head, item, "", SITEMAP_MAX_BYTES / 1024 - 1, 0, 0, 0};
	CHECK(run(gen_read, &g) == 0);
	CHECK(R.kind == SITEMAP_TEXT && R.entries == 1 && clean());
	struct gen over = {head, item, " ", SITEMAP_MAX_BYTES / 1024 - 1,
			   0, 0, 0};
	CHECK(run(gen_read, &over) == 0);
	CHECK(R.entries == 1 && R.too_large && !R.malformed);

	struct gen ws = {"<urlset><url><loc>http://w/</loc></url>", item,
			 "</urlset>", 200u * 1024, 0, 0, 0};
	CHECK(run(gen_read, &ws) == 0);
	CHECK(R.entries == 1 && R.too_large && !R.malformed);
}

static void test_too_many(void)
{
	struct gen g = {"<urlset>", "<url><loc>http://n/</loc></url>\n",
			"</urlset>", SITEMAP_MAX_URLS + 1, 0, 0, 0};
	CHECK(run(gen_read, &g) == 0);
	CHECK(R.entries == SITEMAP_MAX_URLS && R.too_many && !R.malformed);
	struct gen exact = {"<urlset>", "<url><loc>http://n/</loc></url>\n",
			    "</urlset>", SITEMAP_MAX_URLS, 0, 0, 0};
	CHECK(run(gen_read, &exact) == 0);
	CHECK(R.entries == SITEMAP_MAX_URLS && clean());
	struct gen text = {"", "http://n/\n", "", SITEMAP_MAX_URLS + 5, 0, 0, 0};
	CHECK(run(gen_read, &text) == 0);
	CHECK(R.kind == SITEMAP_TEXT && R.entries == SITEMAP_MAX_URLS &&
	      R.too_many);
}

static void test_faults(void)
{
	/* malformed mid-way: the entries before are kept */
	CHECK(parse("<urlset><url><loc>http://f/1</loc></url><url><loc>"
		    "http://f/2</loc></url><url><loc>http://f/3</lo></url>"
		    "<url><loc>http://f/4</loc></url></urlset>") == 0);
	CHECK(R.malformed && R.entries == 2);
	CHECK_STR(S, "http://f/1|-|U\nhttp://f/2|-|U\n");
	CHECK(parse("<urlset><url><loc>http://f/1</loc></url>") == 0);
	CHECK(R.malformed && R.entries == 1);

	/* the callback stops the parse */
	struct mem m = {medium, strlen(medium), 0, 0, -1, 0};
	CHECK(run_stop(mem_read, &m, 2) == 0);
	CHECK(R.stopped && R.entries == 2 && !R.malformed);
	CHECK_STR(S, "http://m/1|2021-01-01|U\nhttp://m/2?a=1&b=2|-|U\n");

	/* a read error */
	struct mem e = {medium, strlen(medium), 0, 50, 300, 0};
	CHECK(run(mem_read, &e) == 0);
	CHECK(R.malformed && R.entries == 3 && e.ends == 1);
	struct mem e0 = {medium, strlen(medium), 0, 0, 0, 0};
	CHECK(run(mem_read, &e0) == 0);
	CHECK(R.malformed && R.entries == 0 && e0.ends == 1);
	struct mem et = {"http://t/1\nhttp://t/2\nhttp://t/3", 32, 0, 16, 20, 0};
	CHECK(run(mem_read, &et) == 0);
	/* the line the fault cut is not taken */
	CHECK(R.malformed && R.entries == 2 && R.kind == SITEMAP_TEXT);
	CHECK(strstr(S, "t/3") == NULL);
}

static void test_encodings(void)
{
	/* UTF-16 with a byte order mark is XML, not text */
	const char u16[] = "\xff\xfe<\0u\0r\0l\0s\0e\0t\0>\0<\0u\0r\0l\0>\0"
		"<\0l\0o\0c\0>\0h\0t\0t\0p\0:\0/\0/\0u\0/\0<\0/\0l\0o\0c\0>\0"
		"<\0/\0u\0r\0l\0>\0<\0/\0u\0r\0l\0s\0e\0t\0>\0";
	CHECK(parse_step(u16, sizeof u16 - 1, 0) == 0);
	CHECK(R.kind == SITEMAP_URLSET && R.entries == 1 && clean());
	CHECK_STR(S, "http://u/|-|U\n");
	/* bytes the declared charset cannot decode */
	CHECK(parse("<?xml version='1.0' encoding='ISO-2022-JP'?><urlset><url>"
		    "<loc>http://j/</loc></url><url><loc>http://j/\x1b$B\xff\xfe"
		    "</loc></url></urlset>") == 0);
	CHECK(R.malformed && R.entries <= 1);
	CHECK(parse("<urlset><url><loc>http://e/\xff\xfe</loc></url></urlset>")
	      == 0);
	CHECK(R.malformed && R.entries == 0);
	CHECK(parse("<?xml version='1.0' encoding='x-no-such'?><urlset/>") == 0);
	CHECK(R.malformed && R.entries == 0);
}

static void test_hostile_xml(void)
{
	const char *laughs =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE urlset [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n<urlset><url><loc>http://l/&lol9;</loc></url>"
		"<url><loc>&lol9;&lol9;</loc></url></urlset>";
	CHECK(parse(laughs) == 0);
	CHECK(strstr(S, "lol") == NULL);
	CHECK(R.entries == 0 && R.malformed && R.kind == SITEMAP_URLSET);

	const char *xxe =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE urlset [\n"
		" <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n"
		" <!ENTITY % pe SYSTEM \"file:///etc/passwd\">\n %pe;\n]>\n"
		"<urlset><url><loc>http://x/&xxe;</loc><lastmod>&xxe;</lastmod>"
		"</url></urlset>";
	CHECK(parse(xxe) == 0);
	CHECK(strstr(S, "root:") == NULL && strstr(S, "/bin/") == NULL);
	CHECK(R.entries <= 1);

	const char *dtd =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE urlset SYSTEM "
		"\"file:///etc/passwd\">\n<urlset><url><loc>http://d/</loc>"
		"</url></urlset>";
	CHECK(parse(dtd) == 0);
	CHECK_STR(S, "http://d/|-|U\n");
}

/* libxml2 must never write to stderr, whatever the input. */
static void test_quiet(void)
{
	fflush(stderr);
	FILE *tmp = tmpfile();
	int saved = dup(2);
	if (!tmp || saved < 0 || dup2(fileno(tmp), 2) < 0) {
		CHECK(!"stderr redirected");
		return;
	}
	test_encodings();
	test_hostile_xml();
	parse("<urlset><url a='1' a='2'/><x:y/></urlset>");
	parse("<?xml version='1.0' encoding='ISO-2022-JP'?><urlset>\x1b$B\xff");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CHECK(ftell(tmp) == 0);
	fclose(tmp);
}

int main(void)
{
	test_urlset();
	test_index();
	test_values();
	test_extensions();
	test_lengths();
	test_text();
	test_sniffing();
	test_read_sizes();
	test_gzip();
	test_gzip_members();
	test_gzip_bomb();
	test_byte_cap();
	test_too_many();
	test_faults();
	test_encodings();
	test_hostile_xml();
	test_quiet();
	free(S);
	return check_report();
}
