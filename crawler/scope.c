/* scope: see scope.h. */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include "scope.h"

#include <arpa/inet.h>
#include <libpsl.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "url.h"

struct patterns {
	pcre2_code **code;
	size_t n;
};

struct scope {
	const struct opt_config *cfg;
	enum opt_scope mode;
	struct strmap *hosts;   /* seed hosts, or their registrable domains */
	const psl_ctx_t *psl;
	struct patterns allow, deny, strip;
	pcre2_match_data *match;
};

static int compile(struct patterns *p, const struct opt_strlist *src,
		   const char *option, char **err)
{
	p->code = calloc(src->n ? src->n : 1, sizeof *p->code);
	if (!p->code)
		return -1;
	for (size_t i = 0; i < src->n; i++) {
		int code;
		PCRE2_SIZE offset;
		p->code[i] = pcre2_compile((PCRE2_SPTR)src->items[i], PCRE2_ZERO_TERMINATED,
					   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code,
					   &offset, NULL);
		if (!p->code[i]) {
			char msg[256];
			pcre2_get_error_message(code, (PCRE2_UCHAR *)msg, sizeof msg);
			if (asprintf(err, "%s: '%s': %s at offset %zu", option,
				     src->items[i], msg, (size_t)offset) < 0)
				*err = NULL;
			return -1;
		}
		p->n++;
		/* without JIT matching still works, only slower */
		pcre2_jit_compile(p->code[i], PCRE2_JIT_COMPLETE);
	}
	return 0;
}

struct scope *scope_new(const struct opt_config *cfg, char **err)
{
	struct scope *s = calloc(1, sizeof *s);
	*err = NULL;
	if (!s)
		goto failed;
	s->cfg = cfg;
	s->mode = cfg->scope;
	s->psl = psl_builtin();
	s->hosts = strmap_new();
	s->match = pcre2_match_data_create(1, NULL);
	if (!s->hosts || !s->match || compile(&s->allow, &cfg->allow, "--allow", err) ||
	    compile(&s->deny, &cfg->deny, "--deny", err) ||
	    compile(&s->strip, &cfg->strip_query, "--strip-query", err))
		goto failed;
	return s;
failed:
	if (!*err)
		*err = strdup("out of memory");
	scope_free(&s);
	return NULL;
}

static void free_patterns(struct patterns *p)
{
	for (size_t i = 0; i < p->n; i++)
		pcre2_code_free(p->code[i]);
	free(p->code);
}

void scope_free(struct scope **sp)
{
	struct scope *s = *sp;
	if (!s)
		return;
	strmap_free(&s->hosts, NULL);
	free_patterns(&s->allow);
	free_patterns(&s->deny);
	free_patterns(&s->strip);
	pcre2_match_data_free(s->match);
	free(s);
	*sp = NULL;
}

static int is_ip(const char *host)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, host, buf) == 1 || (host[0] == '[');
}

/* The registrable domain of host (e.g. example.co.uk for a.b.example.co.uk);
 * the host itself when it has none (a bare name) or is an IP address (the
 * public suffix list would call 127.0.0.1's domain "0.1"). */
static const char *domain_of(const struct scope *s, const char *host)
{
	const char *d = s->psl && !is_ip(host) ? psl_registrable_domain(s->psl, host) : NULL;
	return d ? d : host;
}

int scope_add_seed(struct scope *s, const char *canon, size_t len)
{
	const char *host;
	size_t host_len;
	if (!url_origin(canon, len, &host, &host_len))
		return 0;
	char name[URL_MAX];
	memcpy(name, host, host_len);
	name[host_len] = 0;
	const char *key = s->mode == OPT_SCOPE_DOMAIN ? domain_of(s, name) : name;
	return strmap_put(s->hosts, key, strlen(key), s);
}

static int host_in_scope(const struct scope *s, const char *host, size_t len)
{
	if (strmap_get(s->hosts, host, len))
		return 1;
	char name[URL_MAX];
	memcpy(name, host, len);
	name[len] = 0;
	if (s->mode != OPT_SCOPE_DOMAIN || is_ip(name))
		return 0;
	/* a subdomain of a seed's domain: try each parent suffix */
	for (size_t i = 0; i < len; i++)
		if (host[i] == '.' && strmap_get(s->hosts, host + i + 1, len - i - 1))
			return 1;
	return 0;
}

static int matches(const struct scope *s, const struct patterns *p,
		   const char *canon, size_t len)
{
	for (size_t i = 0; i < p->n; i++)
		if (pcre2_match(p->code[i], (PCRE2_SPTR)canon, len, 0, 0, s->match,
				NULL) >= 0)
			return 1;
	return 0;
}

size_t scope_strip_query(const struct scope *s, const char *canon, size_t len,
			 char *out)
{
	const char *q = memchr(canon, '?', len), *end = canon + len;
	size_t n = q ? (size_t)(q - canon) : len;
	memcpy(out, canon, n);
	if (!q || !s->strip.n) {
		memcpy(out + n, canon + n, len - n);
		out[len] = 0;
		return len;
	}
	for (const char *p = q + 1; p <= end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		size_t name_len = (size_t)((eq ? eq : stop) - p);
		if (!matches(s, &s->strip, p, name_len)) {
			char sep = n == (size_t)(q - canon) ? '?' : '&';
			out[n++] = sep;
			memcpy(out + n, p, (size_t)(stop - p));
			n += (size_t)(stop - p);
		}
		p = stop + 1;
	}
	out[n] = 0;
	return n;
}

/* Whether one segment of the path appears more than max times: the
 * signature of a relative-link loop (/a/b/a/b/a/b/...). */
static int repeats(const char *canon, size_t len, long max)
{
	const char *authority = strstr(canon, "://") + 3;
	const char *path = memchr(authority, '/', len - (size_t)(authority - canon)), *end;
	if (!path)
		return 0;
	end = memchr(path, '?', len - (size_t)(path - canon));
	if (!end)
		end = canon + len;
	for (const char *seg = path + 1; seg < end;) {
		const char *stop = memchr(seg, '/', (size_t)(end - seg));
		size_t seg_len = (size_t)((stop ? stop : end) - seg);
		long count = 0;
		for (const char *p = path + 1; p < end && seg_len;) {
			const char *ps = memchr(p, '/', (size_t)(end - p));
			size_t plen = (size_t)((ps ? ps : end) - p);
			if (plen == seg_len && memcmp(p, seg, plen) == 0 && ++count > max)
				return 1;
			p = ps ? ps + 1 : end;
		}
		seg = stop ? stop + 1 : end;
	}
	return 0;
}

enum frontier_skip scope_check(const struct scope *s, const char *canon,
			       size_t len)
{
	const char *host;
	size_t host_len;
	if (s->mode != OPT_SCOPE_ANY &&
	    (!url_origin(canon, len, &host, &host_len) ||
	     !host_in_scope(s, host, host_len)))
		return s->mode == OPT_SCOPE_DOMAIN ? FRONTIER_SKIP_SCOPE_DOMAIN
						   : FRONTIER_SKIP_SCOPE_HOST;
	if (matches(s, &s->deny, canon, len))
		return FRONTIER_SKIP_DENY;
	if (s->allow.n && !matches(s, &s->allow, canon, len))
		return FRONTIER_SKIP_ALLOW;
	if ((long)len > s->cfg->max_url_length)
		return FRONTIER_SKIP_URL_LENGTH;
	if (repeats(canon, len, s->cfg->max_repeats))
		return FRONTIER_SKIP_REPEATS;
	return FRONTIER_QUEUE;
}
