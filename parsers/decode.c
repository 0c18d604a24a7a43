/* decode: content-coding decoders over zlib, brotli and zstd.  See decode.h. */
#define _GNU_SOURCE
#include "decode.h"

#include <brotli/decode.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

#define OUT_SIZE (64 * 1024)

struct decoder {
	enum decode_coding coding;
	int ended;            /* the last stream (member, frame) is complete */
	int fed;              /* some input arrived */
	int z_ready;          /* inflate is initialized */
	unsigned char head[2]; /* deflate: the first bytes tell zlib from raw */
	size_t n_head;
	z_stream z;
	BrotliDecoderState *br;
	ZSTD_DStream *zs;
	unsigned char out[OUT_SIZE];
};

enum decode_coding decode_coding_parse(const char *value)
{
	static const struct {
		const char *name;
		enum decode_coding coding;
	} names[] = {
		{"identity", DECODE_IDENTITY}, {"gzip", DECODE_GZIP}, {"x-gzip", DECODE_GZIP},
		{"deflate", DECODE_DEFLATE}, {"br", DECODE_BR}, {"zstd", DECODE_ZSTD},
	};
	if (!value)
		return DECODE_IDENTITY;
	value += strspn(value, " \t");
	size_t n = strcspn(value, " \t,");
	if (!n)
		return value[0] == ',' ? DECODE_UNKNOWN : DECODE_IDENTITY;
	if (value[n + strspn(value + n, " \t")] != '\0')
		return DECODE_UNKNOWN; /* stacked codings are not worth the risk */
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strlen(names[i].name) == n && strncasecmp(value, names[i].name, n) == 0)
			return names[i].coding;
	return DECODE_UNKNOWN;
}

/* 15+16: gzip; 15: zlib; -15: raw deflate. */
static int zlib_init(struct decoder *d, int bits)
{
	memset(&d->z, 0, sizeof d->z);
	if (inflateInit2(&d->z, bits) != Z_OK)
		return -1;
	d->z_ready = 1;
	return 0;
}

/* RFC 9110 says deflate is the zlib format, but some servers send raw
 * deflate: a zlib header is CM 8 with a check that divides by 31. */
static int is_zlib_header(const unsigned char h[2])
{
	return (h[0] & 0x0f) == 8 && ((h[0] << 8) | h[1]) % 31 == 0;
}

struct decoder *decoder_new(enum decode_coding coding)
{
	if (coding == DECODE_IDENTITY || coding == DECODE_UNKNOWN)
		return NULL;
	struct decoder *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	d->coding = coding;
	int ok = coding == DECODE_BR ? (d->br = BrotliDecoderCreateInstance(NULL, NULL, NULL)) != NULL
		 : coding == DECODE_ZSTD ? (d->zs = ZSTD_createDStream()) != NULL
		 : coding == DECODE_GZIP ? zlib_init(d, 15 + 16) == 0 : 1;
	if (!ok) {
		free(d);
		return NULL;
	}
	return d;
}

static int feed_zlib(struct decoder *d, const unsigned char *in, size_t len,
		     int (*out)(void *, const void *, size_t), void *ctx)
{
	d->z.next_in = (unsigned char *)in;
	d->z.avail_in = (uInt)len;
	while (d->z.avail_in > 0) {
		if (d->ended) {
			/* another gzip member may follow; other trailing bytes
			 * (padding some servers add) are ignored */
			if (d->coding != DECODE_GZIP || d->z.next_in[0] != 0x1f)
				return 0;
			if (inflateReset(&d->z) != Z_OK)
				return -1;
			d->ended = 0;
		}
		d->z.next_out = d->out;
		d->z.avail_out = OUT_SIZE;
		int rc = inflate(&d->z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			return -1;
		size_t n = OUT_SIZE - d->z.avail_out;
		int stop = n ? out(ctx, d->out, n) : 0;
		if (stop)
			return stop;
		if (rc == Z_STREAM_END)
			d->ended = 1;
		else if (rc == Z_BUF_ERROR && n == 0)
			break;
	}
	return 0;
}

/* Deflate waits for its first two bytes to choose zlib or raw. */
static int feed_deflate(struct decoder *d, const unsigned char *in, size_t len,
			int (*out)(void *, const void *, size_t), void *ctx)
{
	if (!d->z_ready) {
		while (d->n_head < 2 && len) {
			d->head[d->n_head++] = *in++;
			len--;
		}
		if (d->n_head < 2)
			return 0;
		if (zlib_init(d, is_zlib_header(d->head) ? 15 : -15))
			return -1;
		int rc = feed_zlib(d, d->head, 2, out, ctx);
		if (rc)
			return rc;
	}
	return len ? feed_zlib(d, in, len, out, ctx) : 0;
}

static int feed_br(struct decoder *d, const unsigned char *in, size_t len,
		   int (*out)(void *, const void *, size_t), void *ctx)
{
	size_t avail_in = len;
	const uint8_t *next_in = in;
	for (;;) {
		size_t avail_out = OUT_SIZE;
		uint8_t *next_out = d->out;
		BrotliDecoderResult rc = BrotliDecoderDecompressStream(
			d->br, &avail_in, &next_in, &avail_out, &next_out, NULL);
		size_t n = OUT_SIZE - avail_out;
		int stop = n ? out(ctx, d->out, n) : 0;
		if (stop)
			return stop;
		if (rc == BROTLI_DECODER_RESULT_ERROR ||
		    (rc == BROTLI_DECODER_RESULT_SUCCESS && avail_in > 0))
			return -1;
		if (rc != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
			break;
	}
	d->ended = BrotliDecoderIsFinished(d->br);
	return 0;
}

static int feed_zstd(struct decoder *d, const unsigned char *in, size_t len,
		     int (*out)(void *, const void *, size_t), void *ctx)
{
	ZSTD_inBuffer zin = {in, len, 0};
	for (;;) {
		ZSTD_outBuffer zout = {d->out, OUT_SIZE, 0};
		size_t rc = ZSTD_decompressStream(d->zs, &zout, &zin);
		if (ZSTD_isError(rc))
			return -1;
		int stop = zout.pos ? out(ctx, d->out, zout.pos) : 0;
		if (stop)
			return stop;
		d->ended = rc == 0;
		/* a full output buffer may hold back more */
		if (zin.pos == zin.size && zout.pos < OUT_SIZE)
			return 0;
	}
}

int decoder_feed(struct decoder *d, const void *in, size_t len,
		 int (*out)(void *ctx, const void *buf, size_t n), void *ctx)
{
	int rc;
	if (!len)
		return 0;
	switch (d->coding) {
	case DECODE_BR:
		rc = feed_br(d, in, len, out, ctx);
		break;
	case DECODE_ZSTD:
		rc = feed_zstd(d, in, len, out, ctx);
		break;
	case DECODE_DEFLATE:
		rc = feed_deflate(d, in, len, out, ctx);
		break;
	default:
		rc = feed_zlib(d, in, len, out, ctx);
		break;
	}
	d->fed = 1;
	return rc;
}

int decoder_finish(const struct decoder *d)
{
	return d->fed && d->ended ? 0 : -1;
}

void decoder_free(struct decoder **dp)
{
	struct decoder *d = dp ? *dp : NULL;
	if (!d)
		return;
	if (d->coding == DECODE_BR)
		BrotliDecoderDestroyInstance(d->br);
	else if (d->coding == DECODE_ZSTD)
		ZSTD_freeDStream(d->zs);
	else if (d->z_ready)
		inflateEnd(&d->z);
	free(d);
	*dp = NULL;
}
