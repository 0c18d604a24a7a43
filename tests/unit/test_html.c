/* Tests for parsers/html: every link kind, base, title, rel and meta
 * directives, charsets, chunked feeding, reuse, caps and hostile input. */
#include "check.h"
#include "html.h"

#include <stdlib.h>
#include <unistd.h>

static struct html_parser *P;
static struct html_result R;

/* Parses doc in chunks of `step` bytes (0: whole) into R, reusing P. */
static int parse_in(const char *charset, const char *doc, size_t len,
		    size_t step)
{
	if (html_parser_reset(P, charset))
		return -1;
	for (size_t at = 0; at < len; at += step ? step : len) {
		size_t n = step && len - at > step ? step : len - at;
		if (html_parser_feed(P, doc + at, n))
			return -1;
	}
	return html_parser_finish(P, &R);
}

static int parse(const char *charset, const char *doc)
{
	return parse_in(charset, doc, strlen(doc), 0);
}

/* 1 + the flags of the first link with this href and kind, or 0. */
static unsigned find(const char *href, enum html_link_kind kind)
{
	for (size_t i = 0; i < R.n_links; i++)
		if (R.links[i].kind == kind && strcmp(R.links[i].href, href) == 0)
			return 1 + R.links[i].flags;
	return 0;
}

static const char *href_at(size_t i)
{
	return i < R.n_links ? R.links[i].href : NULL;
}

/* R as one string, to compare whole results; the caller frees it. */
static char *serialize(void)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	for (size_t i = 0; i < R.n_links; i++)
		fprintf(f, "%d %u %zu %s\n", (int)R.links[i].kind,
			R.links[i].flags, R.links[i].len, R.links[i].href);
	fprintf(f, "dropped=%zu base=%s title=%s robots=%d%d\n", R.n_dropped,
		R.base_href ? R.base_href : "-", R.title ? R.title : "-",
		R.meta_nofollow, R.meta_noindex);
	fclose(f);
	return s;
}

static void test_link_kinds(void)
{
	const char *doc =
		"<html><head><link rel=canonical href='/canon'>"
		"<link rel=stylesheet href=s.css><link rel=icon href=i.ico>"
		"<link rel='shortcut icon' href=f.ico>"
		"<link rel=apple-touch-icon href=t.png>"
		"<script src=j.js></script></head><body>"
		"<a href='/a'>a</a><map><area href='/area'></map>"
		"<iframe src='/if'></iframe><img src=p.png "
		"srcset='x1.png 1x, x2.png 2x'><picture><source "
		"srcset='s1.webp 100w,s2.webp' src=s.png></picture>"
		"<video src=v.mp4></video><audio src=a.ogg></audio>"
		"<embed src=e.swf><object data=o.swf></object></body></html>";
	CHECK(parse(NULL, doc) == 0);
	CHECK(R.n_links == 19);
	CHECK_STR(href_at(0), "/canon");
	CHECK(find("/canon", HTML_LINK_LINK));
	CHECK(find("s.css", HTML_ASSET_STYLE));
	CHECK(find("i.ico", HTML_ASSET_ICON));
	CHECK(find("f.ico", HTML_ASSET_ICON));
	CHECK(find("t.png", HTML_ASSET_ICON));
	CHECK(find("j.js", HTML_ASSET_SCRIPT));
	CHECK(find("/a", HTML_LINK_A) == 1);
	CHECK(find("/area", HTML_LINK_AREA));
	CHECK(find("/if", HTML_LINK_FRAME));
	CHECK(find("p.png", HTML_ASSET_IMG));
	CHECK(find("x1.png", HTML_ASSET_IMG) && find("x2.png", HTML_ASSET_IMG));
	CHECK(find("s1.webp", HTML_ASSET_IMG) && find("s2.webp", HTML_ASSET_IMG));
	CHECK(find("s.png", HTML_ASSET_IMG));
	CHECK(find("v.mp4", HTML_ASSET_MEDIA) && find("a.ogg", HTML_ASSET_MEDIA));
	CHECK(find("e.swf", HTML_ASSET_MEDIA) && find("o.swf", HTML_ASSET_MEDIA));
	CHECK(R.base_href == NULL && R.title == NULL && R.n_dropped == 0);

	CHECK(parse(NULL, "<frameset><frame src=f1.html><frame src=f2.html>"
			  "</frameset>") == 0);
	CHECK(find("f1.html", HTML_LINK_FRAME) && find("f2.html", HTML_LINK_FRAME));
}

static void test_href_values(void)
{
	CHECK(parse(NULL, "<a href=\" /sp ace \">x</a><a href='/q?a=1&amp;b=2'>"
			  "<a href=/unquoted>u</a><a href>no value</a>"
			  "<a name=x>no href</a><a href=''>empty</a>") == 0);
	CHECK(R.n_links == 4);
	CHECK_STR(href_at(0), " /sp ace ");
	CHECK_STR(href_at(1), "/q?a=1&b=2");
	CHECK_STR(href_at(2), "/unquoted");
	CHECK(R.n_links == 4 && R.links[3].len == 0 && href_at(3)[0] == 0);
	CHECK(R.links[1].len == strlen("/q?a=1&b=2"));
}

static void test_srcset(void)
{
	/* A URL runs to whitespace, so "a.png,b.png" is one candidate. */
	CHECK(parse(NULL, "<img srcset='a.png,b.png, c.png 2x , data:image/png;"
			  "base64,AA== 3x, d.png (max-width: 5px, x) 4x,,e.png,"
			  "'>") == 0);
	CHECK(R.n_links == 5);
	CHECK_STR(href_at(0), "a.png,b.png");
	CHECK_STR(href_at(1), "c.png");
	CHECK_STR(href_at(2), "data:image/png;base64,AA==");
	CHECK_STR(href_at(3), "d.png");
	CHECK_STR(href_at(4), "e.png");
}

static void test_base(void)
{
	CHECK(parse(NULL, "<base target=_top><base href='/dir/'>"
			  "<base href='http://other/'><a href=x>x</a>") == 0);
	CHECK_STR(R.base_href, "/dir/");
	CHECK(R.n_links == 1);
	CHECK(parse(NULL, "<BASE HREF='http://h/b/'>") == 0);
	CHECK_STR(R.base_href, "http://h/b/");
}

static void test_title(void)
{
	CHECK(parse(NULL, "<title>  Fish &amp; Chips\n\t &lt;3  </title>") == 0);
	CHECK_STR(R.title, "Fish & Chips <3");
	CHECK(parse(NULL, "<title>First</title><title>Second</title>") == 0);
	CHECK_STR(R.title, "First");
	CHECK(parse(NULL, "<title></title>") == 0);
	CHECK_STR(R.title, "");
	CHECK(parse(NULL, "<p>no title</p>") == 0);
	CHECK(R.title == NULL);
	CHECK(parse(NULL, "<TITLE>caf&eacute; &#x263A;</TITLE>") == 0);
	CHECK_STR(R.title, "caf\xC3\xA9 \xE2\x98\xBA");

	static char doc[8192];
	strcpy(doc, "<title>");
	for (int i = 0; i < 1000; i++)
		strcat(doc, "\xC3\xA9  "); /* 2 bytes + collapsed space */
	strcat(doc, "</title>");
	CHECK(parse(NULL, doc) == 0);
	size_t len = strlen(R.title);
	CHECK(len <= HTML_MAX_TITLE && len >= HTML_MAX_TITLE - 3);
	/* é + space repeats, so a cut é would leave an odd length before
	 * the last complete character. */
	CHECK(len % 3 == 2 || len % 3 == 0);
	CHECK((unsigned char)R.title[len - 1] == 0xA9);

	strcpy(doc, "<title>");
	memset(doc + 7, 'a', HTML_MAX_TITLE - 1);
	strcpy(doc + 7 + HTML_MAX_TITLE - 1, " \xC3\xA9</title>");
	CHECK(parse(NULL, doc) == 0);
	CHECK(strlen(R.title) == HTML_MAX_TITLE - 1);
}

static void test_nofollow(void)
{
	CHECK(parse(NULL, "<a href=1 rel=nofollow><a href=2 REL=NoFollow>"
			  "<a href=3 rel='external nofollow noopener'>"
			  "<a href=4 rel=' \tnofollow\n'><a href=5 rel=nofollowx>"
			  "<a href=6><area href=7 rel=nofollow>"
			  "<link href=8 rel='next nofollow'>"
			  "<link href=9 rel='nofollow stylesheet'>") == 0);
	CHECK(find("1", HTML_LINK_A) == 1 + HTML_F_NOFOLLOW);
	CHECK(find("2", HTML_LINK_A) == 1 + HTML_F_NOFOLLOW);
	CHECK(find("3", HTML_LINK_A) == 1 + HTML_F_NOFOLLOW);
	CHECK(find("4", HTML_LINK_A) == 1 + HTML_F_NOFOLLOW);
	CHECK(find("5", HTML_LINK_A) == 1);
	CHECK(find("6", HTML_LINK_A) == 1);
	CHECK(find("7", HTML_LINK_AREA) == 1 + HTML_F_NOFOLLOW);
	CHECK(find("8", HTML_LINK_LINK) == 1 + HTML_F_NOFOLLOW);
	CHECK(find("9", HTML_ASSET_STYLE) == 1 + HTML_F_NOFOLLOW);
}

static void test_meta_robots(void)
{
	CHECK(parse(NULL, "<meta name=robots content='noindex, nofollow'>") == 0);
	CHECK(R.meta_noindex && R.meta_nofollow);
	CHECK(parse(NULL, "<META NAME=ROBOTS CONTENT=NOFOLLOW>") == 0);
	CHECK(!R.meta_noindex && R.meta_nofollow);
	CHECK(parse(NULL, "<meta name=Robots content='NONE'>") == 0);
	CHECK(R.meta_noindex && R.meta_nofollow);
	CHECK(parse(NULL, "<meta name=robots content='index,follow'>"
			  "<meta name=googlebot content=noindex>"
			  "<meta name=description content='nofollow noindex'>") == 0);
	CHECK(!R.meta_noindex && !R.meta_nofollow);
	CHECK(parse(NULL, "<meta name=robots content='noarchive,noindex'>"
			  "<meta name=robots content=nofollowing>") == 0);
	CHECK(R.meta_noindex && !R.meta_nofollow);
}

static void test_meta_refresh(void)
{
	CHECK(parse(NULL,
		    "<meta http-equiv=refresh content='0; url=http://a/'>"
		    "<meta http-equiv=Refresh content=\"5;URL='http://b/'\">"
		    "<meta http-equiv=REFRESH content='3 ; url = \"http://c/\" x'>"
		    "<meta http-equiv=refresh content='0,url=http://d/'>"
		    "<meta http-equiv=refresh content='1; http://e/  '>"
		    "<meta http-equiv=refresh content='10'>"
		    "<meta http-equiv=refresh content='0;'>"
		    "<meta http-equiv=refresh content='2.5;url=/f'>"
		    "<meta http-equiv=refresh content='0; urlx'>"
		    "<meta name=refresh content='0; url=/no'>") == 0);
	CHECK(R.n_links == 7);
	CHECK(find("http://a/", HTML_LINK_REFRESH));
	CHECK(find("http://b/", HTML_LINK_REFRESH));
	CHECK(find("http://c/", HTML_LINK_REFRESH));
	CHECK(find("http://d/", HTML_LINK_REFRESH));
	CHECK(find("http://e/", HTML_LINK_REFRESH));
	CHECK(find("/f", HTML_LINK_REFRESH));
	CHECK(find("urlx", HTML_LINK_REFRESH));
}

static void test_charsets(void)
{
	static const char latin1[] = "<a href='caf\xE9'>x</a>";
	static const char utf8_meta[] =
		"<meta charset=utf-8><a href='caf\xC3\xA9'>x</a>";
	static const char utf16le[] = "\xFF\xFE<\0a\0 \0h\0r\0e\0f\0=\0\xE9\0>\0";

	CHECK(parse(NULL, "<html><head><meta charset='iso-8859-1'></head>"
			  "<body><a href='caf\xE9'>x</a>") == 0);
	CHECK_STR(href_at(0), "caf\xC3\xA9");
	CHECK(parse(NULL, "<meta http-equiv=Content-Type content='text/html; "
			  "charset=ISO-8859-1'><title>\xE9t\xE9</title>"
			  "<a href='caf\xE9'>") == 0);
	CHECK_STR(href_at(0), "caf\xC3\xA9");
	CHECK_STR(R.title, "\xC3\xA9t\xC3\xA9");
	CHECK(parse("iso-8859-1", latin1) == 0);
	CHECK_STR(href_at(0), "caf\xC3\xA9");
	/* The header outranks the document's own declaration. */
	CHECK(parse("iso-8859-1", utf8_meta) == 0);
	CHECK_STR(href_at(0), "caf\xC3\x83\xC2\xA9");
	CHECK(parse(NULL, utf8_meta) == 0);
	CHECK_STR(href_at(0), "caf\xC3\xA9");
	/* Unknown names fall back to what the document says. */
	CHECK(parse("x-no-such-charset", utf8_meta) == 0);
	CHECK_STR(href_at(0), "caf\xC3\xA9");
	CHECK(parse("windows-1252", "<a href='\x80'>") == 0);
	CHECK_STR(href_at(0), "\xE2\x82\xAC");
	/* No declaration: UTF-8 when it is, windows-1252 if not. */
	CHECK(parse(NULL, "<a href='caf\xC3\xA9'>") == 0);
	CHECK_STR(href_at(0), "caf\xC3\xA9");
	CHECK(parse(NULL, latin1) == 0);
	CHECK_STR(href_at(0), "caf\xC3\xA9");
	/* A byte order mark outranks the header. */
	CHECK(parse("iso-8859-1", "\xEF\xBB\xBF<a href='caf\xC3\xA9'>") == 0);
	CHECK_STR(href_at(0), "caf\xC3\xA9");
	CHECK(parse_in(NULL, utf16le, sizeof utf16le - 1, 0) == 0);
	CHECK_STR(href_at(0), "\xC3\xA9");
	CHECK(parse_in(NULL, utf16le, sizeof utf16le - 1, 1) == 0);
	CHECK_STR(href_at(0), "\xC3\xA9");
}

/* Bytes a charset does not define, sequences split across chunks, and the
 * guess made after the prescan window. */
static void test_decoding(void)
{
	static const char sjis[] = "<a href='\x82\xA0\x82'>x</a><a href=/z>";
	CHECK(parse_in("shift_jis", sjis, sizeof sjis - 1, 1) == 0);
	CHECK_STR(href_at(0), "\xE3\x81\x82\xEF\xBF\xBD");
	CHECK_STR(href_at(1), "/z");
	CHECK(parse("windows-1252", "<a href='\x81\x93q\x94'><a href=/after>") == 0);
	CHECK_STR(href_at(0), "\xEF\xBF\xBD\xE2\x80\x9Cq\xE2\x80\x9D");
	CHECK_STR(href_at(1), "/after");
	/* A stray byte in UTF-8 stays one character; the rest stays UTF-8. */
	CHECK(parse("utf-8", "<a href='\xFF'><a href='caf\xC3\xA9'>") == 0);
	CHECK_STR(href_at(0), "\xC3\xBF");
	CHECK_STR(href_at(1), "caf\xC3\xA9");
	CHECK(parse(NULL, "<a href='\xC3\xA9\xFF'><a href='caf\xC3\xA9'>") == 0);
	CHECK_STR(href_at(0), "\xC3\xA9\xC3\xBF");
	CHECK_STR(href_at(1), "caf\xC3\xA9");
	/* Labels browsers read as windows-1252. */
	CHECK(parse("iso-8859-1", "<a href='\x80'>") == 0);
	CHECK_STR(href_at(0), "\xE2\x82\xAC");

	static char doc[4096];
	memset(doc, ' ', 2000);
	strcpy(doc + 2000, "<meta charset=iso-8859-1><a href='caf\xC3\xA9'>");
	for (size_t step = 0; step <= 1; step++) {
		CHECK(parse_in(NULL, doc, strlen(doc), step) == 0);
		CHECK_STR(href_at(0), "caf\xC3\xA9"); /* late meta ignored */
	}
	strcpy(doc + 2000, "<a href='caf\xE9'><title>\xE9</title>");
	for (size_t step = 0; step <= 1; step++) {
		CHECK(parse_in(NULL, doc, strlen(doc), step) == 0);
		CHECK_STR(href_at(0), "caf\xC3\xA9");
		CHECK_STR(R.title, "\xC3\xA9");
	}
}

static void test_content_type(void)
{
	char cs[32];
	CHECK(html_content_type_parse("text/html; charset=ISO-8859-1", cs,
				      sizeof cs) == 1);
	CHECK_STR(cs, "iso-8859-1");
	CHECK(html_content_type_parse("application/xhtml+xml", cs, sizeof cs));
	CHECK_STR(cs, "");
	CHECK(html_content_type_parse("text/plain; charset=utf-8", cs,
				      sizeof cs) == 0);
	CHECK(html_content_type_parse(" TEXT/HTML ;Charset = \"UTF-8\" ", cs,
				      sizeof cs) == 1);
	CHECK_STR(cs, "utf-8");
	CHECK(html_content_type_parse("text/html;foo=\"a;charset=x\";"
				      "charset='Shift_JIS'", cs, sizeof cs));
	CHECK_STR(cs, "shift_jis");
	CHECK(html_content_type_parse("text/html;charset", cs, sizeof cs));
	CHECK_STR(cs, "");
	CHECK(html_content_type_parse("text/html; charset=utf-8", cs, 4));
	CHECK_STR(cs, "");
	CHECK(html_content_type_parse("text/htmlx", cs, sizeof cs) == 0);
	CHECK(html_content_type_parse(NULL, cs, sizeof cs) == 0);
}

static const char mixed_doc[] =
	"<!DOCTYPE html><html><head><meta charset=utf-8>"
	"<title> Mixed\n page &amp; more </title><base href='/b/'>"
	"<meta name=robots content='noindex'>"
	"<meta http-equiv=refresh content='5; url=/r'>"
	"<link rel=stylesheet href=/s.css><script>var s = '<a href=/no>';"
	"</script></head><body><!-- <a href=/comment> --><p>caf\xC3\xA9 "
	"<a href='/x?a=1&amp;b=2' rel=nofollow>x</a><img src=/i.png "
	"srcset='/i1.png 1x, /i2.png 2x'><iframe src=/f></iframe>"
	"<a href=/last>z</a></body></html>";

static void test_chunked(void)
{
	CHECK(parse(NULL, mixed_doc) == 0);
	CHECK(R.n_links == 8);
	char *whole = serialize();
	CHECK(parse_in(NULL, mixed_doc, sizeof mixed_doc - 1, 1) == 0);
	char *bytes = serialize();
	CHECK(parse_in(NULL, mixed_doc, sizeof mixed_doc - 1, 7) == 0);
	char *sevens = serialize();
	CHECK_STR(bytes, whole);
	CHECK_STR(sevens, whole);
	free(whole);
	free(bytes);
	free(sevens);
}

/* Parses doc with html_parser_feed for the first `split` bytes and
 * html_parser_feed_last for the rest. */
static int parse_last(const char *charset, const char *doc, size_t len,
		      size_t split)
{
	if (html_parser_reset(P, charset) || html_parser_feed(P, doc, split) ||
	    html_parser_feed_last(P, doc + split, len - split))
		return -1;
	return html_parser_finish(P, &R);
}

/* feed_last gives the result of feed + finish: short documents (inside the
 * charset prescan), long ones, split anywhere, and decoded ones. */
static void test_feed_last(void)
{
	char long_doc[4096], latin1[2048];
	snprintf(long_doc, sizeof long_doc, "<!-- %0*d -->%s", 2000, 0, mixed_doc);
	snprintf(latin1, sizeof latin1, "<p>%0*d</p><a href='caf\xe9'>c</a><title>\xe9t\xe9</title>",
		 1500, 0);
	struct {
		const char *charset, *doc;
	} cases[] = {{NULL, mixed_doc}, {NULL, long_doc}, {"iso-8859-1", latin1}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		size_t len = strlen(cases[i].doc);
		CHECK(parse_in(cases[i].charset, cases[i].doc, len, 0) == 0);
		char *want = serialize();
		size_t splits[] = {0, 10, len / 2, len};
		for (size_t j = 0; j < sizeof splits / sizeof *splits; j++) {
			CHECK(parse_last(cases[i].charset, cases[i].doc, len, splits[j]) == 0);
			char *got = serialize();
			CHECK_STR(got, want);
			free(got);
		}
		free(want);
	}
	CHECK(parse_last("iso-8859-1", latin1, strlen(latin1), 0) == 0);
	CHECK(find("caf\xc3\xa9", HTML_LINK_A) == 1);
	CHECK(parse_last(NULL, long_doc, strlen(long_doc), 0) == 0);
	CHECK(R.n_links == 8 && strcmp(href_at(7), "/last") == 0);
}

static void test_reuse(void)
{
	CHECK(parse(NULL, mixed_doc) == 0);
	CHECK(R.n_links == 8 && R.meta_noindex && R.title && R.base_href);
	CHECK(parse(NULL, "<a href=/only>") == 0);
	CHECK(R.n_links == 1 && !R.meta_noindex && !R.title && !R.base_href);
	CHECK_STR(href_at(0), "/only");

	/* Abandoned mid-document, then reused. */
	CHECK(html_parser_reset(P, NULL) == 0);
	CHECK(html_parser_feed(P, "<a href=/half><title>t", 22) == 0);
	CHECK(parse(NULL, "<a href=/next>") == 0);
	CHECK(R.n_links == 1 && R.title == NULL);
	CHECK_STR(href_at(0), "/next");

	/* finish twice gives the same result; feeding after it is ignored. */
	CHECK(html_parser_feed(P, "<a href=/late>", 14) == 0);
	CHECK(html_parser_finish(P, &R) == 0 && R.n_links == 1);

	struct html_parser *q = html_parser_new("utf-8");
	CHECK(q != NULL);
	html_parser_free(&q);
	CHECK(q == NULL);
	html_parser_free(&q);
	html_parser_free(NULL);
}

static void test_caps(void)
{
	size_t n = HTML_MAX_LINKS + 5, len = 0;
	char *doc = malloc(n * 16 + 2 * HTML_MAX_HREF + 64);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(doc + len, "<a href=%zu>", i);
	CHECK(parse_in(NULL, doc, len, 0) == 0);
	CHECK(R.n_links == HTML_MAX_LINKS);
	CHECK(R.n_dropped == 5);
	CHECK_STR(href_at(HTML_MAX_LINKS - 1), "19999");

	len = (size_t)sprintf(doc, "<a href='");
	memset(doc + len, 'x', HTML_MAX_HREF + 1);
	len += HTML_MAX_HREF + 1;
	len += (size_t)sprintf(doc + len, "'><a href='");
	memset(doc + len, 'y', HTML_MAX_HREF);
	len += HTML_MAX_HREF;
	len += (size_t)sprintf(doc + len, "'><a href=/ok>");
	CHECK(parse_in(NULL, doc, len, 0) == 0);
	CHECK(R.n_links == 2 && R.n_dropped == 1);
	CHECK(R.n_links == 2 && R.links[0].len == HTML_MAX_HREF &&
	      R.links[0].href[0] == 'y' && strlen(R.links[0].href) == HTML_MAX_HREF);
	CHECK_STR(href_at(1), "/ok");
	free(doc);
}

static void test_not_links(void)
{
	CHECK(parse(NULL, "<script>document.write('<a href=\"/s1\">');"
			  "</script><SCRIPT type=x>\"<a href=/s2>\"</SCRIPT>"
			  "<style>a{} <a href=/s3></style>"
			  "<!-- <a href=/c1> --><![CDATA[<a href=/c2>]]>"
			  "<noscript><a href=/ns>n</a></noscript>"
			  "<a href=/after>a</a>") == 0);
	CHECK(!find("/s1", HTML_LINK_A) && !find("/s2", HTML_LINK_A) &&
	      !find("/s3", HTML_LINK_A) && !find("/c1", HTML_LINK_A));
	CHECK(find("/ns", HTML_LINK_A));
	CHECK(find("/after", HTML_LINK_A));
	CHECK(parse(NULL, "<A HREF='/UP' REL=NOFOLLOW>x</A><IMG SRC=/I.PNG>") == 0);
	CHECK(find("/UP", HTML_LINK_A) == 1 + HTML_F_NOFOLLOW);
	CHECK(find("/I.PNG", HTML_ASSET_IMG));
}

static void test_malformed(void)
{
	static const char nuls[] = "<a href=/n1>\0\0<a href=/n2>\0</a>";
	CHECK(parse_in(NULL, nuls, sizeof nuls - 1, 0) == 0);
	CHECK(find("/n2", HTML_LINK_A));
	static const char meta_nul[] = "<meta name=robots cont\0\xFF=x><a href=/m>";
	CHECK(parse_in(NULL, meta_nul, sizeof meta_nul - 1, 0) == 0);
	CHECK(find("/m", HTML_LINK_A));
	CHECK(parse(NULL, "<p><a href=/t1>x</a><a href=\"/trunc") == 0);
	CHECK(find("/t1", HTML_LINK_A));
	CHECK(parse(NULL, "<<<>>><a href=/g1 <a href=/g2>></div></table>"
			  "<a href='/g3'>") == 0);
	CHECK(find("/g3", HTML_LINK_A));

	size_t depth = 100000, len = 0;
	char *doc = malloc(depth * 5 + 64);
	for (size_t i = 0; i < depth; i++)
		len += (size_t)sprintf(doc + len, "<div>");
	len += (size_t)sprintf(doc + len, "<a href=/deep>");
	CHECK(parse_in(NULL, doc, len, 0) == 0);
	CHECK(find("/deep", HTML_LINK_A));

	srand(7);
	for (size_t i = 0; i < 1 << 16; i++)
		doc[i] = (char)rand();
	CHECK(parse_in(NULL, doc, 1 << 16, 0) == 0);
	CHECK(parse_in(NULL, doc, 1 << 16, 4093) == 0);
	free(doc);
	CHECK(parse(NULL, "") == 0 && R.n_links == 0 && R.title == NULL);
	CHECK(parse(NULL, "<") == 0 && R.n_links == 0);
}

/* libxml2 must stay silent even on input it complains about. */
static void test_silent(void)
{
	char path[] = "/tmp/test_html_stderr_XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(2);
	CHECK(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	parse(NULL, "<a href='caf\xE9\xFF\xFE'><foo:bar></x></y><a b=c b=d>"
		    "&bogus; <![CDATA[ <?php ?> \x01\x02 </html></html>");
	parse("utf-8", "\xC3\x28 <a href=\"\x80\x81\">");
	parse("windows-1252", "<a href='\x81\x8D'>");
	parse(NULL, "<meta charset=shift_jis><a href='\x82\x82\xFF'>");
	parse(NULL, "\xFE\xFF\xD8\x00");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CHECK(lseek(fd, 0, SEEK_END) == 0);
	close(fd);
	unlink(path);
}

int main(void)
{
	P = html_parser_new(NULL);
	CHECK(P != NULL);
	if (!P)
		return check_report();
	test_link_kinds();
	test_href_values();
	test_srcset();
	test_base();
	test_title();
	test_nofollow();
	test_meta_robots();
	test_meta_refresh();
	test_charsets();
	test_decoding();
	test_content_type();
	test_chunked();
	test_feed_last();
	test_reuse();
	test_caps();
	test_not_links();
	test_malformed();
	test_silent();
	html_parser_free(&P);
	return check_report();
}
