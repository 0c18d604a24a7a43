/* json_check: a strict RFC 8259 validator for tests and fuzz targets.
 *
 * json_check(s, len) is 1 when s[0..len) is exactly one JSON value with
 * optional surrounding whitespace: strings hold only well-formed UTF-8 (no
 * overlong forms, surrogates or code points past U+10FFFF) and no raw
 * control characters, \u escapes pair their surrogates, numbers follow the
 * grammar.  Nesting deeper than JSON_CHECK_DEPTH counts as invalid, which
 * keeps the recursion bounded on hostile input.
 */
#ifndef CRAWLER_JSON_CHECK_H
#define CRAWLER_JSON_CHECK_H

#include <stddef.h>
#include <string.h>

#define JSON_CHECK_DEPTH 256

struct json_in {
	const unsigned char *p, *end;
	int depth;
};

static int json_value(struct json_in *in);

static void json_ws(struct json_in *in)
{
	while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' ||
				   *in->p == '\n' || *in->p == '\r'))
		in->p++;
}

static int json_eat(struct json_in *in, char c)
{
	if (in->p < in->end && *in->p == (unsigned char)c) {
		in->p++;
		return 1;
	}
	return 0;
}

static int json_digits(struct json_in *in)
{
	const unsigned char *start = in->p;
	while (in->p < in->end && *in->p >= '0' && *in->p <= '9')
		in->p++;
	return in->p > start;
}

static int json_number(struct json_in *in)
{
	json_eat(in, '-');
	if (!json_eat(in, '0') && !(in->p < in->end && *in->p >= '1' &&
				   *in->p <= '9' && json_digits(in)))
		return 0;
	if (json_eat(in, '.') && !json_digits(in))
		return 0;
	if (json_eat(in, 'e') || json_eat(in, 'E')) {
		if (!json_eat(in, '+'))
			json_eat(in, '-');
		return json_digits(in);
	}
	return 1;
}

/* Four hex digits of a \u escape, or -1. */
static long json_hex4(struct json_in *in)
{
	long v = 0;
	for (int i = 0; i < 4; i++, in->p++) {
		if (in->p == in->end)
			return -1;
		unsigned char c = *in->p;
		int d = c >= '0' && c <= '9' ? c - '0' :
			(c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static int json_escape(struct json_in *in)
{
	if (in->p == in->end)
		return 0;
	unsigned char c = *in->p++;
	if (c != 'u')
		return c && strchr("\"\\/bfnrt", c) != NULL;
	long u = json_hex4(in);
	if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF))
		return 0;
	if (u < 0xD800 || u > 0xDBFF)
		return 1;
	if (!json_eat(in, '\\') || !json_eat(in, 'u'))
		return 0;
	u = json_hex4(in);
	return u >= 0xDC00 && u <= 0xDFFF;
}

/* One well-formed UTF-8 sequence of 2 to 4 bytes. */
static int json_utf8(struct json_in *in)
{
	unsigned char c = *in->p++, lo = 0x80, hi = 0xBF;
	int need;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	for (int i = 0; i < need; i++, in->p++) {
		if (in->p == in->end || *in->p < lo || *in->p > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return 1;
}

static int json_string(struct json_in *in)
{
	if (!json_eat(in, '"'))
		return 0;
	while (in->p < in->end) {
		unsigned char c = *in->p;
		if (c == '"') {
			in->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			in->p++;
			if (!json_escape(in))
				return 0;
		} else if (c >= 0x80) {
			if (!json_utf8(in))
				return 0;
		} else {
			in->p++;
		}
	}
	return 0;
}

/* Members of an object (close '}') or elements of an array (']'). */
static int json_items(struct json_in *in, char close, int members)
{
	json_ws(in);
	if (json_eat(in, close))
		return 1;
	do {
		json_ws(in);
		if (members) {
			if (!json_string(in))
				return 0;
			json_ws(in);
			if (!json_eat(in, ':'))
				return 0;
		}
		if (!json_value(in))
			return 0;
		json_ws(in);
	} while (json_eat(in, ','));
	return json_eat(in, close);
}

static int json_literal(struct json_in *in, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(in->end - in->p) < n || memcmp(in->p, word, n) != 0)
		return 0;
	in->p += n;
	return 1;
}

static int json_value(struct json_in *in)
{
	json_ws(in);
	if (in->p == in->end)
		return 0;
	switch (*in->p) {
	case '{':
	case '[': {
		int object = *in->p++ == '{';
		if (++in->depth > JSON_CHECK_DEPTH)
			return 0;
		int ok = json_items(in, object ? '}' : ']', object);
		in->depth--;
		return ok;
	}
	case '"':
		return json_string(in);
	case 't':
		return json_literal(in, "true");
	case 'f':
		return json_literal(in, "false");
	case 'n':
		return json_literal(in, "null");
	default:
		return json_number(in);
	}
}

static inline int json_check(const char *s, size_t len)
{
	if (!s)
		return 0;
	struct json_in in = { (const unsigned char *)s,
			      (const unsigned char *)s + len, 0 };
	if (!json_value(&in))
		return 0;
	json_ws(&in);
	return in.p == in.end;
}

#endif
