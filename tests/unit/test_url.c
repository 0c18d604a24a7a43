/* Tests for parsers/url.c: the web-platform-tests URL data
 * (tests/data/urltestdata.json, read with a small JSON reader below), then
 * hand-written cases typical of crawling, then the hash and origin helpers.
 * Run from the repository root. */
#include "check.h"
#include "url.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* from the repository root, or from tests/ where ctest runs unit tests */
static const char *const wpt_paths[] = {"tests/data/urltestdata.json",
					"data/urltestdata.json"};

/* ---- a JSON reader just big enough for urltestdata.json ---- */

struct jstr {
	char *p; /* NUL-terminated, may hold earlier NULs (see len) */
	size_t len;
	bool null;
};

struct jcase {
	struct jstr input, base, href;
	bool failure;
};

struct json {
	const char *s;
	size_t n, i;
	bool bad;
};

static void skip_ws(struct json *j)
{
	while (j->i < j->n && strchr(" \t\r\n", j->s[j->i]))
		j->i++;
}

static bool eat(struct json *j, char c)
{
	skip_ws(j);
	if (j->i < j->n && j->s[j->i] == c) {
		j->i++;
		return true;
	}
	return false;
}

static unsigned hex4(struct json *j)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char c = j->i < j->n ? j->s[j->i++] : '?';
		if (c >= '0' && c <= '9')
			v = v * 16 + (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v = v * 16 + (unsigned)((c | 0x20) - 'a' + 10);
		else
			j->bad = true;
	}
	return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 63));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | (cp >> 6 & 63));
		o[2] = (char)(0x80 | (cp & 63));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | (cp >> 12 & 63));
	o[2] = (char)(0x80 | (cp >> 6 & 63));
	o[3] = (char)(0x80 | (cp & 63));
	return 4;
}

/* \uD800-\uDFFF pairs combine; a lone surrogate becomes U+FFFD, as a
 * JavaScript string would be UTF-8 encoded by a browser. */
static unsigned json_escape_u(struct json *j)
{
	unsigned cp = hex4(j);
	if (cp >= 0xd800 && cp < 0xdc00 && j->i + 6 <= j->n && j->s[j->i] == '\\' &&
	    j->s[j->i + 1] == 'u') {
		size_t save = j->i;
		j->i += 2;
		unsigned lo = hex4(j);
		if (lo >= 0xdc00 && lo < 0xe000)
			return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		j->i = save;
	}
	return cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp;
}

static struct jstr json_string(struct json *j)
{
	struct jstr r = {0};
	if (!eat(j, '"')) {
		j->bad = true;
		return r;
	}
	r.p = malloc(j->n - j->i + 1);
	if (!r.p)
		abort();
	while (j->i < j->n && j->s[j->i] != '"') {
		char c = j->s[j->i++];
		if (c != '\\') {
			r.p[r.len++] = c;
			continue;
		}
		c = j->i < j->n ? j->s[j->i++] : '?';
		const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
		const char *k = c ? strchr(from, c) : NULL;
		if (c == 'u')
			r.len += put_utf8(r.p + r.len, json_escape_u(j));
		else if (k)
			r.p[r.len++] = to[k - from];
		else
			j->bad = true;
	}
	j->i++;
	r.p[r.len] = '\0';
	return r;
}

/* Reads one value of a test object into the field named `key`. */
static void json_member(struct json *j, struct jcase *c, const char *key)
{
	skip_ws(j);
	if (j->i + 4 <= j->n && !strncmp(j->s + j->i, "null", 4)) {
		j->i += 4;
		if (!strcmp(key, "base"))
			c->base.null = true;
		return;
	}
	if (j->i + 4 <= j->n && !strncmp(j->s + j->i, "true", 4)) {
		j->i += 4;
		c->failure |= !strcmp(key, "failure");
		return;
	}
	if (j->i + 5 <= j->n && !strncmp(j->s + j->i, "false", 5)) {
		j->i += 5;
		return;
	}
	struct jstr v = json_string(j);
	struct jstr *dst = !strcmp(key, "input") ? &c->input :
			   !strcmp(key, "base")  ? &c->base :
			   !strcmp(key, "href")  ? &c->href :
						   NULL;
	if (dst)
		*dst = v;
	else
		free(v.p);
}

static bool json_object(struct json *j, struct jcase *c)
{
	memset(c, 0, sizeof *c);
	if (!eat(j, '{'))
		return false;
	while (!j->bad && !eat(j, '}')) {
		struct jstr key = json_string(j);
		if (!eat(j, ':'))
			j->bad = true;
		if (key.p)
			json_member(j, c, key.p);
		free(key.p);
		eat(j, ',');
	}
	return !j->bad;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		rewind(f);
		buf = size > 0 ? malloc((size_t)size) : NULL;
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
		*len = buf ? (size_t)size : 0;
	}
	fclose(f);
	return buf;
}

/* ---- applying the WPT cases ---- */

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/* Our canonicalization applied to a WHATWG href, written independently of
 * url.c: fragment and empty query dropped, escapes of unreserved characters
 * decoded (except a hex digit right after a bare '%'), hex upper-cased. */
static void canon_expected(const char *href, char *out)
{
	size_t n = strcspn(href, "#"), o = 0;
	const char *q = memchr(href, '?', n);
	if (q && (size_t)(q - href) == n - 1)
		n--;
	for (size_t i = 0; i < n; i++) {
		if (href[i] != '%' || i + 2 >= n || !is_hex(href[i + 1]) || !is_hex(href[i + 2])) {
			out[o++] = href[i];
			continue;
		}
		char hex[3] = {href[i + 1], href[i + 2], 0};
		char v = (char)strtol(hex, NULL, 16);
		bool unreserved = (v >= 'a' && v <= 'z') || (v >= 'A' && v <= 'Z') ||
				  (v >= '0' && v <= '9') || strchr("-._~", v);
		bool glued = (o >= 1 && out[o - 1] == '%') ||
			     (o >= 2 && out[o - 2] == '%' && is_hex(out[o - 1]));
		if (v && unreserved && !(is_hex(v) && glued))
			out[o++] = v;
		else
			o += (size_t)sprintf(out + o, "%%%02X", (unsigned char)v);
		i += 2;
	}
	out[o] = '\0';
}

static bool starts_http(const char *s)
{
	return !strncmp(s, "http:", 5) || !strncmp(s, "https:", 6);
}

/* Whether an input with no usable base is an absolute http(s) URL: the
 * scheme after the parser's own trimming, case-insensitively. */
static bool input_is_http(const struct jstr *in)
{
	char buf[16];
	size_t k = 0, i = 0;
	while (i < in->len && (unsigned char)in->p[i] <= 0x20)
		i++;
	for (; i < in->len && k < sizeof buf - 1; i++)
		if (!strchr("\t\n\r", in->p[i]))
			buf[k++] = (char)(in->p[i] | 0x20);
	buf[k] = '\0';
	return starts_http(buf);
}

/* WPT cases deliberately not supported, each with its reason. */
static const struct {
	const char *input, *base, *why;
} wpt_unsupported[] = {
	{"https://%e2%98%83", "about:blank",
	 "libidn2 adds IDNA2008's code point rules to UTS #46 and rejects "
	 "symbols such as U+2603 that browsers accept"},
	{NULL, NULL, NULL},
};

static const char *unsupported(const struct jcase *c)
{
	const char *base = c->base.null ? "null" : c->base.p;
	for (size_t k = 0; wpt_unsupported[k].input; k++) {
		if (!strcmp(wpt_unsupported[k].input, c->input.p) &&
		    !strcmp(wpt_unsupported[k].base, base)) {
			printf("wpt: unsupported <%s>: %s\n", c->input.p, wpt_unsupported[k].why);
			return wpt_unsupported[k].why;
		}
	}
	return NULL;
}

struct wpt_count {
	int run, passed, unsupported;
};

static void wpt_case(const struct jcase *c, struct wpt_count *cnt)
{
	static struct url_base base;
	static char out[URL_MAX], again[URL_MAX], want[URL_MAX];
	size_t len = 0, len2 = 0;
	enum url_status st;
	bool has_base = !c->base.null && c->base.p && starts_http(c->base.p);
	if (!has_base && !input_is_http(&c->input))
		return;
	if (unsupported(c)) {
		cnt->unsupported++;
		return;
	}
	cnt->run++;
	if (has_base) {
		CHECK(url_base_set(&base, c->base.p, c->base.len) == URL_OK);
		st = url_resolve(&base, c->input.p, c->input.len, out, sizeof out, &len);
	} else {
		st = url_canonicalize(c->input.p, c->input.len, out, sizeof out, &len);
	}
	bool ok;
	if (c->failure)
		ok = st != URL_OK;
	else if (!starts_http(c->href.p))
		ok = st == URL_E_SCHEME;
	else {
		canon_expected(c->href.p, want);
		ok = st == URL_OK && !strcmp(out, want) && len == strlen(want);
		/* the canonical form is a fixed point */
		ok = ok && url_canonicalize(out, len, again, sizeof again, &len2) == URL_OK &&
		     !strcmp(again, out);
	}
	cnt->passed += ok;
	CHECK(ok);
	if (!ok)
		fprintf(stderr, "  wpt: input <%s> base <%s>: status %d got <%s> want <%s>\n",
			c->input.p, c->base.null ? "null" : c->base.p, st,
			st == URL_OK ? out : "", c->failure ? "failure" : c->href.p);
}

static void test_wpt(void)
{
	struct json j = {0};
	struct wpt_count cnt = {0};
	char *text = read_file(wpt_paths[0], &j.n);
	if (!text)
		text = read_file(wpt_paths[1], &j.n);
	CHECK(text != NULL);
	if (!text)
		return;
	j.s = text;
	CHECK(eat(&j, '['));
	while (!j.bad && !eat(&j, ']')) {
		skip_ws(&j);
		if (j.i < j.n && j.s[j.i] == '"') {
			free(json_string(&j).p); /* a comment line */
		} else {
			struct jcase c;
			if (json_object(&j, &c))
				wpt_case(&c, &cnt);
			free(c.input.p);
			free(c.base.p);
			free(c.href.p);
		}
		eat(&j, ',');
	}
	CHECK(!j.bad);
	CHECK(cnt.run > 400);
	printf("wpt: %d of %d http(s) cases passed, %d listed as unsupported\n",
	       cnt.passed, cnt.run, cnt.unsupported);
	free(text);
}

/* ---- hand-written crawling cases ---- */

struct hcase {
	const char *base, *ref, *want; /* base NULL: url_canonicalize */
	enum url_status st;
};

#define B1 "http://example.com/dir/page.html?x=1#top"
#define B2 "https://h.test/p/q?x#y"

static const struct hcase hand[] = {
	/* relative forms */
	{B1, "other.html", "http://example.com/dir/other.html", URL_OK},
	{B1, "/root", "http://example.com/root", URL_OK},
	{B1, "../up", "http://example.com/up", URL_OK},
	{B1, "../../../../x", "http://example.com/x", URL_OK},
	{B1, "./here", "http://example.com/dir/here", URL_OK},
	{B1, ".", "http://example.com/dir/", URL_OK},
	{B1, "..", "http://example.com/", URL_OK},
	{B1, "?q=2", "http://example.com/dir/page.html?q=2", URL_OK},
	{B1, "#frag", "http://example.com/dir/page.html?x=1", URL_OK},
	{B1, "#", "http://example.com/dir/page.html?x=1", URL_OK},
	{B1, "", "http://example.com/dir/page.html?x=1", URL_OK},
	{B1, "?", "http://example.com/dir/page.html", URL_OK},
	{B1, "//other.host/x", "http://other.host/x", URL_OK},
	{B1, "///other.host/path", "http://other.host/path", URL_OK},
	{B1, "/\\other.host/path", "http://other.host/path", URL_OK},
	{B1, "http:other.html", "http://example.com/dir/other.html", URL_OK},
	{B1, "http:", "http://example.com/dir/page.html?x=1", URL_OK},
	{B1, "http:///x", "http://x/", URL_OK},
	{B1, "https:other.host/x", "https://other.host/x", URL_OK},
	{B1, "https:", NULL, URL_E_INVALID},
	{B2, "r", "https://h.test/p/r", URL_OK},
	{B2, "", "https://h.test/p/q?x", URL_OK},
	{B2, "?z", "https://h.test/p/q?z", URL_OK},
	{B2, "#z", "https://h.test/p/q?x", URL_OK},
	{B2, "//a.test", "https://a.test/", URL_OK},
	{B2, "../../..", "https://h.test/", URL_OK},
	/* backslashes, whitespace */
	{B1, "\\\\other.host\\x\\y", "http://other.host/x/y", URL_OK},
	{B1, "a\\b", "http://example.com/dir/a/b", URL_OK},
	{B1, "pa\tge\n2.ht\rml", "http://example.com/dir/page2.html", URL_OK},
	{B1, "  spaced.html  ", "http://example.com/dir/spaced.html", URL_OK},
	{B1, "\r\n /x \t\f", "http://example.com/x", URL_OK},
	{B1, "/a b", "http://example.com/a%20b", URL_OK},
	{B1, "/a?b c", "http://example.com/a?b%20c", URL_OK},
	{B1, "ht\ntp://h\tost/", "http://host/", URL_OK},
	/* case, ports */
	{B1, "HTTP://EXAMPLE.ORG/Path", "http://example.org/Path", URL_OK},
	{B1, "http://example.org:80/", "http://example.org/", URL_OK},
	{B1, "https://example.org:443/a", "https://example.org/a", URL_OK},
	{B1, "http://example.org:443/", "http://example.org:443/", URL_OK},
	{B1, "https://example.org:80/", "https://example.org:80/", URL_OK},
	{B1, "http://example.org:8080/a", "http://example.org:8080/a", URL_OK},
	{B1, "http://example.org:/a", "http://example.org/a", URL_OK},
	{B1, "http://example.org:0080/", "http://example.org/", URL_OK},
	{B1, "http://example.org:65536/", NULL, URL_E_INVALID},
	{B1, "http://example.org:8a/", NULL, URL_E_INVALID},
	{NULL, "http://example.org", "http://example.org/", URL_OK},
	{NULL, "http://example.org?q", "http://example.org/?q", URL_OK},
	{NULL, "http://example.org#f", "http://example.org/", URL_OK},
	{NULL, "http://EXAMPLE.org./", "http://example.org./", URL_OK},
	{NULL, "http:example.org/a", "http://example.org/a", URL_OK},
	/* percent-encoding */
	{B1, "/%7euser/%7Efile", "http://example.com/~user/~file", URL_OK},
	{B1, "/a%2fb%2Fc", "http://example.com/a%2Fb%2Fc", URL_OK},
	{B1, "/%41%42%63%2d%2E%5f", "http://example.com/ABc-._", URL_OK},
	{B1, "/%e2%82%ac", "http://example.com/%E2%82%AC", URL_OK},
	{B1, "/\xe2\x82\xac", "http://example.com/%E2%82%AC", URL_OK},
	{B1, "/caf\xc3\xa9?q=\xc3\xa9", "http://example.com/caf%C3%A9?q=%C3%A9", URL_OK},
	{B1, "/a?x=%7e&y=%2f", "http://example.com/a?x=~&y=%2F", URL_OK},
	{B1, "/a?b'c", "http://example.com/a?b%27c", URL_OK},
	{B1, "/a'b", "http://example.com/a'b", URL_OK},
	{B1, "/a<b>\"", "http://example.com/a%3Cb%3E%22", URL_OK},
	{B1, "/a{b}`c", "http://example.com/a%7Bb%7D%60c", URL_OK},
	{B1, "/a%zzb", "http://example.com/a%zzb", URL_OK},
	{B1, "/a%2", "http://example.com/a%2", URL_OK},
	{B1, "/%%41", "http://example.com/%%41", URL_OK},
	{B1, "/%%67", "http://example.com/%g", URL_OK},
	{B1, "/%4%31", "http://example.com/%4%31", URL_OK},
	{B1, "/a?", "http://example.com/a", URL_OK},
	{B1, "/a?#x", "http://example.com/a", URL_OK},
	{B1, "/a??", "http://example.com/a??", URL_OK},
	/* dot segments */
	{B1, "/a/./b/../c", "http://example.com/a/c", URL_OK},
	{B1, "/a/%2e/b/%2E%2e/c", "http://example.com/a/c", URL_OK},
	{B1, "/a/b/..", "http://example.com/a/", URL_OK},
	{B1, "/a/b/.%2E?q", "http://example.com/a/?q", URL_OK},
	{B1, "/a/...", "http://example.com/a/...", URL_OK},
	{B1, "/a//b/../c", "http://example.com/a//c", URL_OK},
	/* hosts */
	{NULL, "http://b\xc3\xbc" "cher.example/", "http://xn--bcher-kva.example/", URL_OK},
	{NULL, "http://B\xc3\x9c" "CHER.example/", "http://xn--bcher-kva.example/", URL_OK},
	{NULL, "http://b%C3%BCcher.example/", "http://xn--bcher-kva.example/", URL_OK},
	{NULL, "http://xn--bcher-kva.example/", "http://xn--bcher-kva.example/", URL_OK},
	{NULL, "http://ex%41mple.org/", "http://example.org/", URL_OK},
	{NULL, "http://0x7f.1/", "http://127.0.0.1/", URL_OK},
	{NULL, "http://127.1/", "http://127.0.0.1/", URL_OK},
	{NULL, "http://2130706433/", "http://127.0.0.1/", URL_OK},
	{NULL, "http://0177.0.0.1/", "http://127.0.0.1/", URL_OK},
	{NULL, "http://1.2.3/", "http://1.2.0.3/", URL_OK},
	{NULL, "http://4294967295/", "http://255.255.255.255/", URL_OK},
	{NULL, "http://0x100000000/", NULL, URL_E_INVALID},
	{NULL, "http://256.0.0.1/", NULL, URL_E_INVALID},
	{NULL, "http://1.2.3.4.5/", NULL, URL_E_INVALID},
	{NULL, "http://1.2.3.09/", NULL, URL_E_INVALID},
	{NULL, "http://foo.09/", NULL, URL_E_INVALID},
	{NULL, "http://example.123abc/", "http://example.123abc/", URL_OK},
	{NULL, "http://[::1]/", "http://[::1]/", URL_OK},
	{NULL, "http://[0:0:0:0:0:0:0:1]:8080/", "http://[::1]:8080/", URL_OK},
	{NULL, "http://[2001:DB8::A]/", "http://[2001:db8::a]/", URL_OK},
	{NULL, "http://[::ffff:192.168.0.1]/", "http://[::ffff:c0a8:1]/", URL_OK},
	{NULL, "http://[1:0:0:2:0:0:0:3]/", "http://[1:0:0:2::3]/", URL_OK},
	{NULL, "http://[1:2:3]/", NULL, URL_E_INVALID},
	{NULL, "http://[::1/", NULL, URL_E_INVALID},
	{NULL, "http://exa mple.org/", NULL, URL_E_INVALID},
	{NULL, "http://exa<mple.org/", NULL, URL_E_INVALID},
	{NULL, "http://%zz/", NULL, URL_E_INVALID},
	{NULL, "http://a%00b/", NULL, URL_E_INVALID},
	{NULL, "http:///", NULL, URL_E_INVALID},
	{NULL, "http://:80/", NULL, URL_E_INVALID},
	/* userinfo */
	{NULL, "http://user:pass@example.org/", "http://user:pass@example.org/", URL_OK},
	{NULL, "http://user@example.org/", "http://user@example.org/", URL_OK},
	{NULL, "http://:@example.org/", "http://example.org/", URL_OK},
	{NULL, "http://@example.org/", "http://example.org/", URL_OK},
	{NULL, "http://a@b@example.org/", "http://a%40b@example.org/", URL_OK},
	{NULL, "http://u:p%61ss:x@ex.org/", "http://u:pass%3Ax@ex.org/", URL_OK},
	{NULL, "http://user@/x", NULL, URL_E_INVALID},
	/* other schemes, no base */
	{B1, "javascript:void(0)", NULL, URL_E_SCHEME},
	{B1, "JavaScript:alert(1)", NULL, URL_E_SCHEME},
	{B1, "mailto:a@b.c", NULL, URL_E_SCHEME},
	{B1, "data:text/html,hi", NULL, URL_E_SCHEME},
	{B1, "ftp://ftp.example.org/f", NULL, URL_E_SCHEME},
	{B1, "tel:+123", NULL, URL_E_SCHEME},
	{B1, "file:///etc/passwd", NULL, URL_E_SCHEME},
	{B1, "wss://h/", NULL, URL_E_SCHEME},
	{NULL, "relative/path", NULL, URL_E_INVALID},
	{NULL, "", NULL, URL_E_INVALID},
	{NULL, "mailto:x@y", NULL, URL_E_SCHEME},
};

static void test_hand(void)
{
	static struct url_base base;
	static char out[URL_MAX], again[URL_MAX];
	size_t n = sizeof hand / sizeof hand[0];
	for (size_t k = 0; k < n; k++) {
		const struct hcase *c = &hand[k];
		size_t len = 0;
		enum url_status st;
		out[0] = '\0';
		if (c->base) {
			CHECK(url_base_set(&base, c->base, strlen(c->base)) == URL_OK);
			st = url_resolve(&base, c->ref, strlen(c->ref), out, sizeof out, &len);
		} else {
			st = url_canonicalize(c->ref, strlen(c->ref), out, sizeof out, &len);
		}
		if (st != c->st)
			fprintf(stderr, "  hand: <%s>: status %d, want %d\n", c->ref, st, c->st);
		CHECK(st == c->st);
		if (c->want) {
			CHECK_STR(out, c->want);
			CHECK(len == strlen(c->want));
			CHECK(url_canonicalize(out, len, again, sizeof again, &len) == URL_OK);
			CHECK_STR(again, c->want);
		}
	}
	printf("hand-written: %zu cases\n", n);
}

static void test_lengths(void)
{
	static char in[URL_IN_MAX + 100], out[URL_MAX];
	size_t len = 0;
	/* 8000 path bytes fit; 9000 do not */
	snprintf(in, sizeof in, "http://a.test/%08000d", 0);
	CHECK(url_canonicalize(in, strlen(in), out, sizeof out, &len) == URL_OK);
	CHECK(len == strlen(in));
	snprintf(in, sizeof in, "http://a.test/%09000d", 0);
	CHECK(url_canonicalize(in, strlen(in), out, sizeof out, &len) == URL_E_TOO_LONG);
	/* escaping makes it too long */
	snprintf(in, sizeof in, "http://a.test/");
	memset(in + 14, ' ', 3000);
	in[3014] = 'x';
	in[3015] = '\0';
	CHECK(url_canonicalize(in, 3015, out, sizeof out, &len) == URL_E_TOO_LONG);
	/* input over URL_IN_MAX even though it would shrink */
	memset(in + 14, '\t', URL_IN_MAX);
	in[14 + URL_IN_MAX] = 'x';
	CHECK(url_canonicalize(in, 15 + URL_IN_MAX, out, sizeof out, &len) == URL_E_TOO_LONG);
	/* an oversized reference with another scheme is still a scheme error */
	memcpy(in, "data:", 5);
	memset(in + 5, 'a', URL_IN_MAX);
	CHECK(url_canonicalize(in, 5 + URL_IN_MAX, out, sizeof out, &len) == URL_E_SCHEME);
	/* the caller's cap counts too, NUL included */
	CHECK(url_canonicalize("http://a.test/", 14, out, 14, &len) == URL_E_TOO_LONG);
	CHECK(url_canonicalize("http://a.test/", 14, out, 15, &len) == URL_OK);
	CHECK_STR(out, "http://a.test/");
	CHECK(url_canonicalize("http://a.test/", 14, out, 0, &len) == URL_E_TOO_LONG);
	/* embedded NUL in the path is encoded, length is honoured */
	CHECK(url_canonicalize("http://a.test/a\0b", 17, out, sizeof out, &len) == URL_OK);
	CHECK_STR(out, "http://a.test/a%00b");
	CHECK(url_canonicalize("http://a.test/abc", 15, out, sizeof out, &len) == URL_OK);
	CHECK_STR(out, "http://a.test/a");
}

static void test_base(void)
{
	static struct url_base base;
	static char out[URL_MAX];
	size_t len = 0;
	CHECK(url_base_set(&base, "mailto:a@b", 10) == URL_E_SCHEME);
	CHECK(url_base_set(&base, "/relative", 9) == URL_E_INVALID);
	CHECK(url_base_set(&base, "HTTPS://U@H.test:8443/a/b?c#d", 29) == URL_OK);
	CHECK_STR(base.href, "https://U@h.test:8443/a/b?c");
	CHECK(base.len == strlen(base.href));
	CHECK(base.host_end - base.host_start == 6 &&
	      !strncmp(base.href + base.host_start, "h.test", 6));
	CHECK(base.path_start == strlen("https://U@h.test:8443"));
	CHECK(base.query_start == strlen("https://U@h.test:8443/a/b"));
	CHECK(base.dir_end == strlen("https://U@h.test:8443/a"));
	CHECK(url_resolve(&base, "x", 1, out, sizeof out, &len) == URL_OK);
	CHECK_STR(out, "https://U@h.test:8443/a/x");
	CHECK(url_resolve(&base, "//h2/", 5, out, sizeof out, &len) == URL_OK);
	CHECK_STR(out, "https://h2/");
}

static void test_hash_origin(void)
{
	/* FNV-1a 64 reference vectors, and one URL */
	CHECK(url_hash("", 0) == 0xcbf29ce484222325u);
	CHECK(url_hash("a", 1) == 0xaf63dc4c8601ec8cu);
	CHECK(url_hash("foobar", 6) == 0x85944171f73967e8u);
	CHECK(url_hash("http://example.com/", 19) == 0x32522fc5fdfe06f1u);

	const char *host = NULL, *u;
	size_t hl = 0;
	u = "https://h.test:8443/x?y";
	CHECK(url_origin(u, strlen(u), &host, &hl) == strlen("https://h.test:8443"));
	CHECK(hl == 6 && !strncmp(host, "h.test", 6));
	u = "http://[::1]:81/";
	CHECK(url_origin(u, strlen(u), &host, &hl) == strlen("http://[::1]:81"));
	CHECK(hl == 5 && !strncmp(host, "[::1]", 5));
	u = "http://u:p@h/";
	CHECK(url_origin(u, strlen(u), &host, &hl) == strlen("http://u:p@h"));
	CHECK(hl == 1 && host[0] == 'h');
	u = "http://example.com/";
	CHECK(url_origin(u, strlen(u), &host, &hl) == 18);
	CHECK(hl == 11 && !strncmp(host, "example.com", 11));
	CHECK(url_origin("ftp://x/", 8, &host, &hl) == 0);
	CHECK(url_origin("http://x", 8, &host, &hl) == 0);
	CHECK(url_origin("http:///", 8, &host, &hl) == 0);

	CHECK_STR(url_status_str(URL_OK), "ok");
	CHECK(strlen(url_status_str(URL_E_TOO_LONG)) > 0);
}

int main(void)
{
	test_wpt();
	test_hand();
	test_lengths();
	test_base();
	test_hash_origin();
	return check_report();
}
