/* Unit tests for parsers/decode.c: every coding decodes what its encoder
 * made, fed whole or byte by byte; truncated and corrupt streams are told
 * apart from complete ones. */
#include "decode.h"

#include <brotli/encode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"

struct sink {
	unsigned char *data;
	size_t len, cap;
};

static int collect(void *ctx, const void *buf, size_t n)
{
	struct sink *s = ctx;
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->data = realloc(s->data, s->cap);
	}
	memcpy(s->data + s->len, buf, n);
	s->len += n;
	return 0;
}

/* zlib's deflate with windowBits: 15+16 gzip, 15 zlib, -15 raw. */
static size_t zlib_encode(const void *in, size_t len, unsigned char *out, size_t cap, int bits)
{
	z_stream z = {0};
	deflateInit2(&z, 6, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

/* Decodes in chunks of `step` bytes (0: whole); returns feed's result and
 * sets *finish. */
static int decode(enum decode_coding c, const unsigned char *in, size_t len, size_t step,
		  struct sink *s, int *finish)
{
	struct decoder *d = decoder_new(c);
	int rc = 0;
	s->len = 0;
	for (size_t at = 0; at < len && rc == 0; at += step ? step : len)
		rc = decoder_feed(d, in + at, step && len - at > step ? step : len - at, collect, s);
	*finish = decoder_finish(d);
	decoder_free(&d);
	CHECK(d == NULL);
	return rc;
}

static unsigned char text[200000], enc[400000];

static void check_roundtrip(enum decode_coding c, size_t n, const char *what)
{
	struct sink s = {0};
	int finish;
	size_t steps[] = {0, 1, 7, 4096};
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
		CHECK(decode(c, enc, n, steps[i], &s, &finish) == 0);
		CHECK(finish == 0);
		if (s.len != sizeof text || memcmp(s.data, text, sizeof text) != 0)
			fprintf(stderr, "%s: step %zu decoded %zu bytes\n", what, steps[i], s.len);
		CHECK(s.len == sizeof text && memcmp(s.data, text, sizeof text) == 0);
	}
	/* cut short: every byte arrives right, the end never does */
	CHECK(decode(c, enc, n - 5, 0, &s, &finish) == 0);
	CHECK(finish == -1);
	free(s.data);
}

static void test_codings(void)
{
	size_t n;
	n = zlib_encode(text, sizeof text, enc, sizeof enc, 15 + 16);
	check_roundtrip(DECODE_GZIP, n, "gzip");
	n = zlib_encode(text, sizeof text, enc, sizeof enc, 15);
	check_roundtrip(DECODE_DEFLATE, n, "deflate (zlib)");
	n = zlib_encode(text, sizeof text, enc, sizeof enc, -15);
	check_roundtrip(DECODE_DEFLATE, n, "deflate (raw)");
	n = ZSTD_compress(enc, sizeof enc, text, sizeof text, 3);
	check_roundtrip(DECODE_ZSTD, n, "zstd");
	n = sizeof enc;
	CHECK(BrotliEncoderCompress(5, 22, BROTLI_MODE_TEXT, sizeof text, text, &n, enc));
	check_roundtrip(DECODE_BR, n, "br");
}

static void test_members_and_trailers(void)
{
	struct sink s = {0};
	int finish;
	size_t a = zlib_encode("hello ", 6, enc, sizeof enc, 15 + 16);
	size_t b = zlib_encode("world", 5, enc + a, sizeof enc - a, 15 + 16);
	CHECK(decode(DECODE_GZIP, enc, a + b, 3, &s, &finish) == 0 && finish == 0);
	CHECK(s.len == 11 && memcmp(s.data, "hello world", 11) == 0);
	/* zero padding after the last member is ignored */
	memset(enc + a + b, 0, 16);
	CHECK(decode(DECODE_GZIP, enc, a + b + 16, 0, &s, &finish) == 0 && finish == 0);
	CHECK(s.len == 11);
	/* two zstd frames */
	a = ZSTD_compress(enc, sizeof enc, "hello ", 6, 1);
	b = ZSTD_compress(enc + a, sizeof enc - a, "world", 5, 1);
	CHECK(decode(DECODE_ZSTD, enc, a + b, 2, &s, &finish) == 0 && finish == 0);
	CHECK(s.len == 11 && memcmp(s.data, "hello world", 11) == 0);
	free(s.data);
}

static void test_corrupt(void)
{
	struct sink s = {0};
	int finish;
	static const unsigned char junk[] = "this is not compressed at all, not even a little";
	CHECK(decode(DECODE_GZIP, junk, sizeof junk, 0, &s, &finish) == -1);
	CHECK(decode(DECODE_ZSTD, junk, sizeof junk, 0, &s, &finish) == -1);
	CHECK(decode(DECODE_BR, junk, sizeof junk, 0, &s, &finish) == -1 || finish == -1);
	size_t n = zlib_encode(text, sizeof text, enc, sizeof enc, 15 + 16);
	enc[n / 2] ^= 0xff;
	CHECK(decode(DECODE_GZIP, enc, n, 0, &s, &finish) == -1 || finish == -1);
	/* nothing at all is not a complete stream */
	CHECK(decode(DECODE_GZIP, enc, 0, 0, &s, &finish) == 0 && finish == -1);
	free(s.data);
}

static void test_coding_names(void)
{
	CHECK(decode_coding_parse(NULL) == DECODE_IDENTITY);
	CHECK(decode_coding_parse("") == DECODE_IDENTITY);
	CHECK(decode_coding_parse("identity") == DECODE_IDENTITY);
	CHECK(decode_coding_parse("gzip") == DECODE_GZIP);
	CHECK(decode_coding_parse(" X-GZIP ") == DECODE_GZIP);
	CHECK(decode_coding_parse("deflate") == DECODE_DEFLATE);
	CHECK(decode_coding_parse("br") == DECODE_BR);
	CHECK(decode_coding_parse("Zstd") == DECODE_ZSTD);
	CHECK(decode_coding_parse("compress") == DECODE_UNKNOWN);
	CHECK(decode_coding_parse("gzip, br") == DECODE_UNKNOWN);
	CHECK(decoder_new(DECODE_IDENTITY) == NULL && decoder_new(DECODE_UNKNOWN) == NULL);
}

int main(void)
{
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (unsigned char)("<p>some page text with words, numbers 0123456789</p>\n"[i % 53]);
	test_coding_names();
	test_codings();
	test_members_and_trailers();
	test_corrupt();
	return check_report();
}
