/* Tests for storage/spool.c and storage/warc.c.  Records are read back with
 * warc_read_record and parsed here; digests are recomputed with libcrypto;
 * whole segments go through the zstd CLI to prove they are plain WARC.
 * Set WARC_TEST_KEEP=1 to keep the archive directory (its path is printed),
 * e.g. to point tests/integration/warccheck.py at it. */
#define _GNU_SOURCE
#include "check.h"
#include "spool.h"
#include "warc.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zstd.h>

struct bytes {
	char *p;
	size_t len, cap;
};

static int bytes_add(void *ctx, const void *buf, size_t len)
{
	struct bytes *b = ctx;

	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, buf, len);
	b->len += len;
	return 0;
}

static void digest_of(const void *p, size_t len, char out[WARC_DIGEST_LEN + 1])
{
	unsigned char d[EVP_MAX_MD_SIZE];

	if (!EVP_Digest(p, len, d, NULL, EVP_sha1(), NULL))
		abort();
	warc_digest_format(d, out);
}

static char *make_tmpdir(void)
{
	char *dir = strdup("/tmp/test_warc.XXXXXX");

	if (!dir || !mkdtemp(dir))
		abort();
	return dir;
}

static void remove_tree(const char *dir)
{
	char cmd[512];

	if (getenv("WARC_TEST_KEEP")) {
		printf("kept %s\n", dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* ---- base32 ---- */

static void test_digest_format(void)
{
	char out[WARC_DIGEST_LEN + 1];

	digest_of("", 0, out);
	CHECK_STR(out, "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
	digest_of("abc", 3, out);
	CHECK_STR(out, "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
	CHECK(strlen(out) == WARC_DIGEST_LEN);
}

/* ---- spool ---- */

static int stop_at_first(void *ctx, const void *buf, size_t len)
{
	(void)buf;
	*(size_t *)ctx += len;
	return 7;
}

static void fill_pattern(char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (char)((i * 31 + seed + i / 977) & 0xff);
}

static void test_spool_memory(void)
{
	struct spool *s = spool_new(64, NULL);
	struct bytes got = { 0 };
	const void *data;
	size_t len, seen = 0;

	CHECK(s != NULL);
	/* a spool that was never written still points at (empty) memory */
	CHECK(spool_memory(s, &data, &len) == 1 && data != NULL && len == 0);
	CHECK(spool_write(s, "hello ", 6) == 0);
	CHECK(spool_write(s, "", 0) == 0);
	CHECK(spool_write(s, "world", 5) == 0);
	CHECK(spool_size(s) == 11);
	CHECK(spool_memory(s, &data, &len) == 1);
	CHECK(len == 11 && memcmp(data, "hello world", 11) == 0);
	CHECK(spool_each(s, bytes_add, &got) == 0);
	CHECK(got.len == 11 && memcmp(got.p, "hello world", 11) == 0);
	CHECK(spool_each(s, stop_at_first, &seen) == 7 && seen == 11);
	/* exactly at the bound stays in memory */
	spool_reset(s);
	for (int i = 0; i < 8; i++)
		CHECK(spool_write(s, "01234567", 8) == 0);
	CHECK(spool_memory(s, &data, &len) == 1 && len == 64);
	free(got.p);
	spool_free(&s);
	CHECK(s == NULL);
	spool_free(&s);
}

static void test_spool_spill(void)
{
	char *dir = make_tmpdir();
	size_t total = 300 * 1000 + 17;
	char *want = malloc(total);
	struct spool *s = spool_new(1000, dir);
	struct bytes got = { 0 };
	const void *data;
	size_t len, off = 0, step = 1;

	fill_pattern(want, total, 3);
	while (off < total) {
		size_t n = step < total - off ? step : total - off;

		CHECK(spool_write(s, want + off, n) == 0);
		off += n;
		step = step * 3 + 1;
	}
	CHECK(spool_size(s) == total);
	CHECK(spool_memory(s, &data, &len) == 0);
	CHECK(spool_each(s, bytes_add, &got) == 0);
	CHECK(got.len == total && memcmp(got.p, want, total) == 0);
	CHECK(count_entries(dir) == 0);   /* the spill file has no name */

	spool_reset(s);   /* reuse: back in memory, old contents gone */
	CHECK(spool_size(s) == 0);
	CHECK(spool_write(s, "abc", 3) == 0);
	CHECK(spool_memory(s, &data, &len) == 1);
	CHECK(len == 3 && memcmp(data, "abc", 3) == 0);
	CHECK(spool_write(s, want, 2000) == 0);  /* spills again */
	got.len = 0;
	CHECK(spool_each(s, bytes_add, &got) == 0);
	CHECK(got.len == 2003 && memcmp(got.p + 3, want, 2000) == 0);

	spool_free(&s);
	free(got.p);
	free(want);
	remove_tree(dir);
	free(dir);
}

static void test_spool_zero_limit(void)
{
	struct spool *s = spool_new(0, NULL);
	struct bytes got = { 0 };
	const void *data;
	size_t len;

	CHECK(spool_write(s, "xyz", 3) == 0);
	CHECK(spool_memory(s, &data, &len) == 0);
	CHECK(spool_each(s, bytes_add, &got) == 0);
	CHECK(got.len == 3 && memcmp(got.p, "xyz", 3) == 0);
	free(got.p);
	spool_free(&s);

	s = spool_new(4, "/nonexistent-spool-dir");
	CHECK(spool_write(s, "abcd", 4) == 0);
	errno = 0;
	CHECK(spool_write(s, "e", 1) == -1 && errno == ENOENT);
	spool_free(&s);
}

/* ---- parsing records back ---- */

#define MAX_FIELDS 32

struct record {
	char name[MAX_FIELDS][64];
	char value[MAX_FIELDS][512];
	int n;
	const char *block;
	size_t block_len;
	int ok;   /* version line, Content-Length and CRLFCRLF all right */
};

static const char *field(const struct record *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (strcasecmp(r->name[i], name) == 0)
			return r->value[i];
	return NULL;
}

static void parse_fields(struct record *r, const char *p, const char *end)
{
	while (p < end && r->n < MAX_FIELDS) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		const char *colon = memchr(p, ':', (size_t)(eol - p));

		if (!colon || colon - p >= 64 || eol - colon >= 512)
			return;
		snprintf(r->name[r->n], 64, "%.*s", (int)(colon - p), p);
		colon++;
		while (*colon == ' ')
			colon++;
		snprintf(r->value[r->n], 512, "%.*s", (int)(eol - colon), colon);
		r->n++;
		p = eol + 2;
	}
}

static void parse_record(struct record *r, const char *rec, size_t len)
{
	const char *hend = memmem(rec, len, "\r\n\r\n", 4);
	const char *cl;
	size_t hlen;

	memset(r, 0, sizeof(*r));
	if (!hend || len < 10 || memcmp(rec, "WARC/1.1\r\n", 10) != 0)
		return;
	parse_fields(r, rec + 10, hend + 2);
	hlen = (size_t)(hend + 4 - rec);
	cl = field(r, "Content-Length");
	if (!cl)
		return;
	r->block = hend + 4;
	r->block_len = strtoull(cl, NULL, 10);
	r->ok = hlen + r->block_len + 4 == len &&
		memcmp(rec + len - 4, "\r\n\r\n", 4) == 0;
}

static void read_at(const char *dir, uint32_t seg, uint64_t off, uint64_t len,
		    struct bytes *out)
{
	struct warc_location loc = { seg, off, len };

	out->len = 0;
	CHECK(warc_read_record(dir, &loc, bytes_add, out) == 0);
}

/* ---- writer ---- */

struct fetch {
	const char *head;
	char *body;
	size_t body_len;
	struct spool *spool;
	struct warc_result res;
	struct bytes req_rec, resp_rec;
};

static const char request_block[] =
	"GET /page HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n";

static int write_fetch(struct warc_writer *w, struct fetch *f, const char *uri)
{
	struct warc_exchange ex = {
		.target_uri = uri,
		.ip = "127.0.0.1",
		.request = request_block,
		.request_len = sizeof(request_block) - 1,
		.resp_head = f->head,
		.resp_head_len = strlen(f->head),
		.body = f->spool,
	};

	clock_gettime(CLOCK_REALTIME, &ex.date);
	if (spool_write(f->spool, f->body, f->body_len) < 0)
		return -1;
	return warc_write_exchange(w, &ex, &f->res);
}

static void check_request(const struct fetch *f, const char *uri)
{
	struct record r;
	char digest[WARC_DIGEST_LEN + 1];

	parse_record(&r, f->req_rec.p, f->req_rec.len);
	CHECK(r.ok);
	CHECK_STR(field(&r, "WARC-Type"), "request");
	CHECK_STR(field(&r, "WARC-Target-URI"), uri);
	CHECK_STR(field(&r, "WARC-Concurrent-To"), f->res.record_id);
	CHECK_STR(field(&r, "Content-Type"), "application/http;msgtype=request");
	CHECK(r.block_len == sizeof(request_block) - 1 &&
	      memcmp(r.block, request_block, r.block_len) == 0);
	digest_of(r.block, r.block_len, digest);
	CHECK_STR(field(&r, "WARC-Block-Digest"), digest);
}

static void check_response(const struct fetch *f, const char *uri,
			   const char *stored_head)
{
	struct record r, req;
	char digest[WARC_DIGEST_LEN + 1];
	size_t hlen = strlen(stored_head);
	const char *date;

	parse_record(&r, f->resp_rec.p, f->resp_rec.len);
	parse_record(&req, f->req_rec.p, f->req_rec.len);
	CHECK(r.ok);
	CHECK_STR(field(&r, "WARC-Type"), "response");
	CHECK_STR(field(&r, "WARC-Record-ID"), f->res.record_id);
	CHECK_STR(field(&r, "WARC-Concurrent-To"), field(&req, "WARC-Record-ID"));
	CHECK_STR(field(&r, "WARC-Date"), field(&req, "WARC-Date"));
	CHECK_STR(field(&r, "WARC-Target-URI"), uri);
	CHECK_STR(field(&r, "WARC-IP-Address"), "127.0.0.1");
	CHECK_STR(field(&r, "WARC-Warcinfo-ID"), field(&req, "WARC-Warcinfo-ID"));
	CHECK_STR(field(&r, "Content-Type"), "application/http;msgtype=response");
	date = field(&r, "WARC-Date");
	CHECK(date && strlen(date) == 27 && date[10] == 'T' && date[26] == 'Z');
	CHECK(strncmp(f->res.record_id, "<urn:uuid:", 10) == 0 &&
	      strlen(f->res.record_id) == 47 && f->res.record_id[24] == '4');
	CHECK(r.block_len == hlen + f->body_len);
	CHECK(r.block_len >= hlen && memcmp(r.block, stored_head, hlen) == 0);
	CHECK(r.block_len == hlen + f->body_len &&
	      memcmp(r.block + hlen, f->body, f->body_len) == 0);
	digest_of(r.block, r.block_len, digest);
	CHECK_STR(field(&r, "WARC-Block-Digest"), digest);
	digest_of(f->body, f->body_len, digest);
	CHECK_STR(field(&r, "WARC-Payload-Digest"), digest);
	CHECK_STR(f->res.payload_digest, digest);
}

static char *zstd_cli(const char *path, size_t *len)
{
	char cmd[512];
	struct bytes out = { 0 };
	char buf[65536];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "zstd -q -d -c '%s'", path);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		bytes_add(&out, buf, n);
	if (pclose(p) != 0) {
		free(out.p);
		return NULL;
	}
	*len = out.len;
	return out.p ? out.p : strdup("");
}

/* The frame header must carry the content size and the checksum flag. */
static void check_frame_header(const char *path, uint64_t off, size_t size)
{
	unsigned char h[32];
	FILE *fp = fopen(path, "rb");

	CHECK(fp && fseek(fp, (long)off, SEEK_SET) == 0 &&
	      fread(h, 1, sizeof(h), fp) == sizeof(h));
	if (fp)
		fclose(fp);
	CHECK(h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd);
	CHECK((h[4] & 0x04) != 0);
	CHECK(ZSTD_getFrameContentSize(h, sizeof(h)) == size);
}

static void fetch_init(struct fetch *f, const char *head, size_t body_len,
		       size_t mem_limit, const char *tmp)
{
	memset(f, 0, sizeof(*f));
	f->head = head;
	f->body_len = body_len;
	f->body = malloc(body_len + 1);
	fill_pattern(f->body, body_len, (unsigned)body_len);
	f->spool = spool_new(mem_limit, tmp);
}

static void fetch_free(struct fetch *f)
{
	spool_free(&f->spool);
	free(f->body);
	free(f->req_rec.p);
	free(f->resp_rec.p);
}

static const char plain_head[] =
	"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\n";
static const char empty_head[] = "HTTP/1.1 204 No Content\r\n\r\n";
static const char big_head[] =
	"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n";
static const char chunked_head[] =
	"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
	"Transfer-Encoding: chunked\r\nX-Other: transfer-encoding: no\r\n\r\n";
static const char chunked_stored[] =
	"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
	"X-Crawler-Transfer-Encoding: chunked\r\n"
	"X-Other: transfer-encoding: no\r\n\r\n";

#define NFETCH 4

static void check_whole_segment(const char *dir, struct fetch *f)
{
	char path[512];
	struct bytes want = { 0 }, info = { 0 };
	struct record r;
	size_t len;
	char *got;
	uint64_t first_req = f[0].res.response.offset - f[0].res.request_length;

	read_at(dir, 0, 0, first_req, &info);
	parse_record(&r, info.p, info.len);
	CHECK(r.ok);
	CHECK_STR(field(&r, "WARC-Type"), "warcinfo");
	CHECK_STR(field(&r, "WARC-Filename"), "crawl-00000.warc.zst");
	CHECK(r.ok && memmem(r.block, r.block_len, "software: crawler/test", 22));
	CHECK(r.ok && memmem(r.block, r.block_len, "operator: tests\r\n", 17));
	bytes_add(&want, info.p, info.len);
	for (int i = 0; i < NFETCH; i++) {
		bytes_add(&want, f[i].req_rec.p, f[i].req_rec.len);
		bytes_add(&want, f[i].resp_rec.p, f[i].resp_rec.len);
	}
	snprintf(path, sizeof(path), "%s/crawl-00000.warc.zst", dir);
	got = zstd_cli(path, &len);
	CHECK(got && len == want.len && memcmp(got, want.p, len) == 0);
	check_frame_header(path, 0, info.len);
	check_frame_header(path, f[2].res.response.offset, f[2].resp_rec.len);
	free(got);
	free(want.p);
	free(info.p);
}

static off_t file_size(const char *dir, uint32_t seg)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/crawl-%05u.warc.zst", dir, seg);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void fill_random(char *p, size_t len)
{
	uint64_t x = 88172645463325252ull;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (char)x;
	}
}

/* Rejected input writes nothing; a write failing half way through a large
 * record leaves the segment ending at the previous exchange. */
static void test_bad_input(struct warc_writer *w, const char *dir,
			   struct fetch *f)
{
	off_t before = file_size(dir, 0);
	struct warc_exchange ex = { .target_uri = "http://x/", .request = "",
		.resp_head = "HTTP/1.1 200 OK\r\n", .resp_head_len = 17 };
	struct warc_result res;
	struct rlimit old, lim;
	struct fetch big;

	errno = 0;
	CHECK(warc_write_exchange(w, &ex, &res) == -1 && errno == EINVAL);
	ex.resp_head = empty_head;
	ex.resp_head_len = strlen(empty_head);
	ex.target_uri = "http://x/\r\nWARC-Type: evil";
	CHECK(warc_write_exchange(w, &ex, &res) == -1 && errno == EINVAL);
	CHECK(file_size(dir, 0) == before);

	fetch_init(&big, big_head, 2 * 1024 * 1024, 4 * 1024 * 1024, NULL);
	fill_random(big.body, big.body_len);
	signal(SIGXFSZ, SIG_IGN);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	lim = old;
	lim.rlim_cur = (rlim_t)before + 100000;
	CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	errno = 0;
	CHECK(write_fetch(w, &big, "http://127.0.0.1/big") == -1 && errno == EFBIG);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	CHECK(file_size(dir, 0) == before);

	spool_reset(f->spool);
	CHECK(write_fetch(w, f, "http://127.0.0.1/after") == 0);
	CHECK(f->res.response.offset - f->res.request_length == (uint64_t)before);
	read_at(dir, 0, f->res.response.offset, f->res.response.length,
		&f->resp_rec);
	CHECK(f->resp_rec.len > 0 && memcmp(f->resp_rec.p, "WARC/1.1\r\n", 10) == 0);
	fetch_free(&big);
}

static void test_writer(void)
{
	char *tmp = make_tmpdir(), dir[512];
	struct warc_writer_options o = { .max_segment_size = 1ull << 30,
		.zstd_level = 3, .software = "crawler/test",
		.warcinfo = "operator: tests\r\n" };
	struct fetch f[NFETCH];
	const char *heads[NFETCH] = { plain_head, empty_head, big_head, chunked_head };
	const char *stored[NFETCH] = { plain_head, empty_head, big_head, chunked_stored };
	size_t sizes[NFETCH] = { 5, 0, 3 * 1024 * 1024, 1000 };
	char *err = NULL;
	struct warc_writer *w;

	snprintf(dir, sizeof(dir), "%s/crawl/warc", tmp);
	o.dir = dir;
	w = warc_writer_open(&o, &err);
	CHECK(w != NULL && err == NULL);
	if (!w)
		return;
	for (int i = 0; i < NFETCH; i++) {
		fetch_init(&f[i], heads[i], sizes[i], 64 * 1024, tmp);
		CHECK(write_fetch(w, &f[i], "http://127.0.0.1:8080/page") == 0);
		CHECK(f[i].res.response.segment == 0);
	}
	CHECK(spool_memory(f[2].spool, &(const void *){ 0 }, &(size_t){ 0 }) == 0);
	CHECK(warc_writer_flush(w, 1) == 0);
	for (int i = 0; i < NFETCH; i++) {
		struct warc_location *loc = &f[i].res.response;

		read_at(dir, 0, loc->offset - f[i].res.request_length,
			f[i].res.request_length, &f[i].req_rec);
		read_at(dir, 0, loc->offset, loc->length, &f[i].resp_rec);
		check_request(&f[i], "http://127.0.0.1:8080/page");
		check_response(&f[i], "http://127.0.0.1:8080/page", stored[i]);
	}
	check_whole_segment(dir, f);
	test_bad_input(w, dir, &f[0]);
	warc_writer_close(&w);
	CHECK(w == NULL);
	warc_writer_close(&w);
	for (int i = 0; i < NFETCH; i++)
		fetch_free(&f[i]);
	remove_tree(tmp);
	free(tmp);
}

static int count_str(const char *p, size_t len, const char *needle)
{
	int n = 0;
	size_t k = strlen(needle);
	const char *q;

	while ((q = memmem(p, len, needle, k))) {
		n++;
		len -= (size_t)(q + k - p);
		p = q + k;
	}
	return n;
}

static void touch(const char *dir, const char *name)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	CHECK(fp != NULL);
	if (fp)
		fclose(fp);
}

static void test_rotation(void)
{
	char *dir = make_tmpdir(), path[512];
	struct warc_writer_options o = { .dir = dir, .max_segment_size = 1,
		.zstd_level = 1, .software = "crawler/test" };
	struct warc_writer *w = warc_writer_open(&o, NULL);
	struct fetch f;

	CHECK(w != NULL);
	if (!w)
		return;
	fetch_init(&f, plain_head, 5, 1024, NULL);
	for (uint32_t i = 0; i < 3; i++) {
		spool_reset(f.spool);
		CHECK(write_fetch(w, &f, "http://127.0.0.1/r") == 0);
		CHECK(f.res.response.segment == i);
	}
	for (uint32_t i = 0; i < 3; i++) {
		size_t len;
		char *got;

		snprintf(path, sizeof(path), "%s/crawl-%05u.warc.zst", dir, i);
		got = zstd_cli(path, &len);
		CHECK(got && len > 30 &&
		      memcmp(got, "WARC/1.1\r\nWARC-Type: warcinfo\r\n", 31) == 0);
		CHECK(got && count_str(got, len, "WARC/1.1\r\n") == 3);
		free(got);
	}
	warc_writer_close(&w);

	touch(dir, "crawl-00007.warc.zst");
	touch(dir, "crawl-00099.warc.zst.tmp");
	touch(dir, "crawl-x.warc.zst");
	w = warc_writer_open(&o, NULL);
	CHECK(w != NULL);
	CHECK(file_size(dir, 8) > 0);
	CHECK(file_size(dir, 100) == -1);
	warc_writer_close(&w);
	fetch_free(&f);
	remove_tree(dir);
	free(dir);
}

static void test_read_errors(void)
{
	char *dir = make_tmpdir();
	struct warc_writer_options o = { .dir = dir, .zstd_level = 3 };
	struct warc_writer *w = warc_writer_open(&o, NULL);
	struct bytes got = { 0 };
	struct fetch f;
	struct warc_location loc;
	char *err = NULL;

	CHECK(w != NULL);
	if (!w)
		return;
	fetch_init(&f, plain_head, 5, 1024, NULL);
	CHECK(write_fetch(w, &f, "http://127.0.0.1/e") == 0);
	CHECK(write_fetch(w, &f, "http://127.0.0.1/e") == 0);
	loc = f.res.response;
	loc.offset -= f.res.request_length;   /* the first frame of the pair */
	loc.length = f.res.request_length - 1;
	CHECK(warc_read_record(dir, &loc, bytes_add, &got) == -1);
	loc.length = f.res.request_length + 1;
	CHECK(warc_read_record(dir, &loc, bytes_add, &got) == -1);
	loc.length = f.res.request_length;
	got.len = 0;
	CHECK(warc_read_record(dir, &loc, bytes_add, &got) == 0);
	CHECK(got.len > 0 && count_str(got.p, got.len, "WARC-Type: request") == 1);
	CHECK(warc_read_record(dir, &loc, stop_at_first, &(size_t){ 0 }) == 7);
	loc.segment = 42;
	CHECK(warc_read_record(dir, &loc, bytes_add, &got) == -1);
	CHECK(warc_writer_open(&(struct warc_writer_options){
		.dir = "/proc/self/nonexistent/x" }, &err) == NULL);
	CHECK(err && strstr(err, "/proc/self/nonexistent/x") != NULL);
	free(err);
	warc_writer_close(&w);
	fetch_free(&f);
	free(got.p);
	remove_tree(dir);
	free(dir);
}

int main(void)
{
	test_digest_format();
	test_spool_memory();
	test_spool_spill();
	test_spool_zero_limit();
	test_writer();
	test_rotation();
	test_read_errors();
	return check_report();
}
