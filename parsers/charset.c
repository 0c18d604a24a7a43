/* charset: the browser's choice of a document's encoding, and iconv with
 * U+FFFD for the bytes a charset does not define (glibc's iconv stops at
 * them instead).
 */
#include "charset.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#define WS " \t\n\f\r" /* HTML's ASCII whitespace */

/* Labels browsers read as windows-1252 or UTF-8 (WHATWG Encoding). */
static const char *const cp1252_labels[] = {
	"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "us-ascii",
	"ascii", "cp1252", "windows-1252", NULL,
};
static const char *const utf8_labels[] = {
	"utf-8", "utf8", "unicode-1-1-utf-8", NULL,
};

static const struct bom {
	const char *bytes;
	size_t len;
	const char *charset;
} boms[] = {
	{ "\xEF\xBB\xBF", 3, "UTF-8" },
	{ "\xFE\xFF", 2, "UTF-16BE" },
	{ "\xFF\xFE", 2, "UTF-16LE" },
};

static int is_ws(char c)
{
	return c != 0 && strchr(WS, c) != NULL;
}

static int token_is(const char *tok, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(tok, word, len) == 0;
}

void charset_init(struct charset *c)
{
	c->cd = (iconv_t)-1;
	c->cd_name[0] = 0;
}

void charset_close(struct charset *c)
{
	if (c->cd != (iconv_t)-1)
		iconv_close(c->cd);
	charset_init(c);
}

static int label_in(const char *name, const char *const *labels)
{
	for (; *labels; labels++)
		if (strcasecmp(name, *labels) == 0)
			return 1;
	return 0;
}

enum charset_decoder charset_use(struct charset *c, const char *label)
{
	if (label_in(label, utf8_labels))
		return CHARSET_UTF8;
	if (label_in(label, cp1252_labels))
		label = "WINDOWS-1252";
	if (c->cd != (iconv_t)-1 && strcasecmp(c->cd_name, label) == 0) {
		iconv(c->cd, NULL, NULL, NULL, NULL);
		return CHARSET_ICONV;
	}
	if (strlen(label) >= sizeof c->cd_name)
		return CHARSET_GUESS;
	charset_close(c);
	c->cd = iconv_open("UTF-8", label);
	if (c->cd == (iconv_t)-1)
		return CHARSET_GUESS;
	strcpy(c->cd_name, label);
	return CHARSET_ICONV;
}

void charset_copy_lower(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return;
	for (size_t i = 0; i < len; i++)
		dst[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	dst[len] = 0;
}

/* Reads the attribute at *sp in a tag bounded by end; 0 at '>' or end. */
static int next_attr(const char **sp, const char *end, const char **name,
		     size_t *name_len, const char **value, size_t *value_len)
{
	const char *s = *sp;
	while (s < end && (is_ws(*s) || *s == '/'))
		s++;
	if (s == end || *s == '>')
		return 0;
	for (*name = s; s < end && !(is_ws(*s) || (*s && strchr("=>/", *s)));
	     s++)
		;
	*name_len = (size_t)(s - *name);
	while (s < end && is_ws(*s))
		s++;
	*value = s;
	*value_len = 0;
	if (s < end && *s == '=') {
		s++;
		while (s < end && is_ws(*s))
			s++;
		char quote = s < end && (*s == '"' || *s == '\'') ? *s++ : 0;
		for (*value = s; s < end && (quote ? *s != quote :
					     !(is_ws(*s) || *s == '>')); s++)
			;
		*value_len = (size_t)(s - *value);
		s += s < end && quote;
	}
	*sp = s;
	return 1;
}

/* "text/html; charset=x" in a meta content attribute (HTML's "extract a
 * character encoding from a meta element"). */
static void content_charset(const char *s, size_t len, char *out, size_t cap)
{
	for (size_t i = 0; i + 7 < len; i++) {
		if (strncasecmp(s + i, "charset", 7) != 0)
			continue;
		size_t j = i + 7;
		while (j < len && is_ws(s[j]))
			j++;
		if (j == len || s[j] != '=')
			continue;
		for (j++; j < len && is_ws(s[j]); j++)
			;
		char quote = j < len && (s[j] == '"' || s[j] == '\'') ? s[j++] : 0;
		size_t n = 0;
		while (j + n < len && (quote ? s[j + n] != quote :
				       !(is_ws(s[j + n]) || s[j + n] == ';')))
			n++;
		charset_copy_lower(out, cap, s + j, n);
		return;
	}
}

/* The charset a <meta> tag (s just past "<meta") declares, into out. */
static void meta_charset(const char *s, const char *end, char *out,
			 size_t cap)
{
	const char *name, *value;
	size_t name_len, value_len;
	int content_type = 0;
	char from_content[CHARSET_NAME_MAX] = "";
	while (next_attr(&s, end, &name, &name_len, &value, &value_len)) {
		if (token_is(name, name_len, "charset")) {
			charset_copy_lower(out, cap, value, value_len);
			return;
		}
		if (token_is(name, name_len, "http-equiv"))
			content_type = token_is(value, value_len, "content-type");
		else if (token_is(name, name_len, "content"))
			content_charset(value, value_len, from_content,
					sizeof from_content);
	}
	if (content_type)
		charset_copy_lower(out, cap, from_content, strlen(from_content));
}

/* A simpler take on HTML's prescan: the first <meta> declaring a charset
 * (comments and other tags are not skipped).  utf-16 in a meta can only be
 * wrong, since the meta itself was readable as ASCII. */
static void prescan(const char *s, size_t len, char *out, size_t cap)
{
	const char *end = s + len;
	out[0] = 0;
	for (const char *t = s; !out[0] && (t = memchr(t, '<', (size_t)(end - t)));
	     t++) {
		if (end - t > 6 && strncasecmp(t + 1, "meta", 4) == 0 &&
		    (is_ws(t[5]) || t[5] == '/'))
			meta_charset(t + 5, end, out, cap);
	}
	if (strncmp(out, "utf-16", 6) == 0)
		charset_copy_lower(out, cap, "utf-8", 5);
}

enum charset_decoder charset_choose(struct charset *c, const char *head,
				    size_t len, const char *header,
				    size_t *bom_len)
{
	for (size_t i = 0; i < sizeof boms / sizeof boms[0]; i++) {
		if (len >= boms[i].len &&
		    memcmp(head, boms[i].bytes, boms[i].len) == 0) {
			*bom_len = boms[i].len;
			return charset_use(c, boms[i].charset);
		}
	}
	*bom_len = 0;
	enum charset_decoder decoder = CHARSET_GUESS;
	if (header && header[0])
		decoder = charset_use(c, header);
	if (decoder == CHARSET_GUESS) {
		char meta[CHARSET_NAME_MAX];
		prescan(head, len < CHARSET_PRESCAN_LEN ? len : CHARSET_PRESCAN_LEN,
			meta, sizeof meta);
		if (meta[0])
			decoder = charset_use(c, meta);
	}
	return decoder;
}

ssize_t charset_convert(struct charset *c, const char *in, size_t len,
			int final, charset_sink sink, void *arg)
{
	char *ip = (char *)in;
	while (len > 0) {
		char *op = c->out;
		size_t room = sizeof c->out;
		int err = iconv(c->cd, &ip, &len, &op, &room) == (size_t)-1 ?
				  errno : 0;
		if (op > c->out && sink(arg, c->out, (size_t)(op - c->out)))
			return -1;
		if (err == EINVAL && !final && len < CHARSET_CARRY_MAX)
			return (ssize_t)len;
		if (err != 0 && err != E2BIG) {
			if (sink(arg, CHARSET_REPLACEMENT, 3))
				return -1;
			ip++;
			len--;
		}
	}
	return 0;
}

size_t charset_utf8_seq_len(unsigned char lead)
{
	return lead >= 0xF5 ? 0 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 :
	       lead >= 0xC2 ? 2 : lead >= 0x80 ? 0 : 1;
}

int charset_utf8_seq_ok(const unsigned char *s, size_t len)
{
	size_t want = len > 0 ? charset_utf8_seq_len(s[0]) : 0;
	if (want == 0 || len < want)
		return 0;
	for (size_t i = 1; i < want; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return 1;
}
