/* Tests of config/opt.c: every option type through the command line and the
 * config file, the error messages users see, help and the dump roundtrip.
 * Runs from tests/ (fixtures in data/opt/). */
#define _GNU_SOURCE
#include "check.h"
#include "opt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_ARGS 32

/* Parses "crawler ARGS..." (NULL-terminated) into a fresh *cfg. */
static int vparse(struct opt_config *cfg, char **err, va_list ap)
{
	char *argv[MAX_ARGS] = { "crawler" };
	int argc = 1;
	char *a;

	while ((a = va_arg(ap, char *)) && argc < MAX_ARGS)
		argv[argc++] = a;
	opt_config_init(cfg);
	*err = NULL;
	return opt_parse(cfg, argc, argv, err);
}

static int parse(struct opt_config *cfg, char **err, ...)
{
	va_list ap;

	va_start(ap, err);
	int rc = vparse(cfg, err, ap);
	va_end(ap);
	return rc;
}

/* Checks that "crawler ARGS..." fails with exactly `want`. */
static void expect_error(const char *want, ...)
{
	struct opt_config cfg;
	char *err;
	va_list ap;

	va_start(ap, want);
	int rc = vparse(&cfg, &err, ap);
	va_end(ap);
	CHECK(rc == -1);
	CHECK_STR(err, want);
	free(err);
	opt_config_free(&cfg);
}

static void test_defaults(void)
{
	struct opt_config cfg;

	opt_config_init(&cfg);
	CHECK_STR(cfg.dir, "./crawl");
	CHECK(cfg.concurrency == 16 && cfg.per_host == 4);
	CHECK(cfg.delay == 0 && cfg.max_depth == -1 && cfg.max_pages == 0);
	CHECK(cfg.scope == OPT_SCOPE_HOST);
	CHECK(strncmp(cfg.user_agent, "crawler/", 8) == 0);
	CHECK(cfg.timeout == 30 && cfg.connect_timeout == 10);
	CHECK(cfg.max_size == 10 * 1024 * 1024);
	CHECK(cfg.warc_max_size == 1024 * 1024 * 1024);
	CHECK(cfg.zstd_level == 3 && cfg.progress == 0);
	CHECK(cfg.progress_interval == 5);
	CHECK(!cfg.quiet && !cfg.page_requisites && !cfg.follow_nofollow);
	CHECK(!cfg.config_file && !cfg.dns_servers && cfg.allow.n == 0);
	opt_config_free(&cfg);
	CHECK(cfg.dir == NULL);
	opt_config_free(&cfg);
	opt_config_free(NULL);
}

static void test_long(void)
{
	struct opt_config cfg;
	char *err;

	CHECK(parse(&cfg, &err, "crawl", "--concurrency", "32", "--per-host=7",
		    "-l", "-1", "--max-pages", "1000", "--zstd-level=19", NULL) == 0);
	CHECK(cfg.concurrency == 32 && cfg.per_host == 7);
	CHECK(cfg.max_depth == -1 && cfg.max_pages == 1000);
	CHECK(cfg.zstd_level == 19);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "crawl", "-c", "5", "-l3", NULL) == 0);
	CHECK(cfg.concurrency == 5 && cfg.max_depth == 3);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "crawl", "-c", "5", "-c", "6", NULL) == 0);
	CHECK(cfg.concurrency == 6);
	opt_config_free(&cfg);

	expect_error("--concurrency: 'abc' is not a whole number", "crawl", "-c", "abc", NULL);
	expect_error("--concurrency: '5x' is not a whole number", "crawl", "-c5x", NULL);
	expect_error("--concurrency: '' is not a whole number", "crawl", "--concurrency=", NULL);
	expect_error("--concurrency: 0 is out of range (1..10000)", "crawl", "--concurrency", "0", NULL);
	expect_error("--concurrency: 10001 is out of range (1..10000)", "crawl", "-c", "10001", NULL);
	expect_error("--concurrency: 99999999999999999999 is out of range (1..10000)",
		     "crawl", "-c", "99999999999999999999", NULL);
	expect_error("--max-depth: -2 is out of range (-1..1000000)", "crawl", "--max-depth", "-2", NULL);
	expect_error("--zstd-level: 20 is out of range (1..19)", "crawl", "--zstd-level", "20", NULL);
}

static void test_seconds(void)
{
	struct opt_config cfg;
	char *err;

	CHECK(parse(&cfg, &err, "crawl", "--delay", "1.5", "-T", "500ms",
		    "--connect-timeout=2m", "--progress-interval", "1h", NULL) == 0);
	CHECK(cfg.delay == 1.5 && cfg.timeout == 0.5);
	CHECK(cfg.connect_timeout == 120 && cfg.progress_interval == 3600);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "crawl", "--delay", "2s", NULL) == 0);
	CHECK(cfg.delay == 2);
	opt_config_free(&cfg);

	expect_error("--delay: 'abc' is not a duration (use e.g. 1.5, 500ms, 2m, 1h, 1d)",
		     "crawl", "--delay", "abc", NULL);
	expect_error("--delay: '3w' is not a duration (use e.g. 1.5, 500ms, 2m, 1h, 1d)",
		     "crawl", "--delay", "3w", NULL);
	expect_error("--delay: 3d is out of range (0..86400 seconds)",
		     "crawl", "--delay", "3d", NULL);
	expect_error("--delay: 'nan' is not a duration (use e.g. 1.5, 500ms, 2m, 1h, 1d)",
		     "crawl", "--delay", "nan", NULL);
	expect_error("--timeout: '0x10' is not a duration (use e.g. 1.5, 500ms, 2m, 1h, 1d)",
		     "crawl", "-T", "0x10", NULL);
	expect_error("--delay: -1 is out of range (0..86400 seconds)", "crawl", "--delay", "-1", NULL);
	expect_error("--delay: 86401 is out of range (0..86400 seconds)", "crawl", "--delay=86401", NULL);
	expect_error("--timeout: 0 is out of range (0.001..86400 seconds)", "crawl", "-T0", NULL);
	expect_error("--delay: 1e999 is out of range (0..86400 seconds)", "crawl", "--delay", "1e999", NULL);
}

static void test_size(void)
{
	struct opt_config cfg;
	char *err;

	CHECK(parse(&cfg, &err, "crawl", "--max-size", "500k", "--warc-max-size=2G", NULL) == 0);
	CHECK(cfg.max_size == 500 * 1024 && cfg.warc_max_size == 2LL << 30);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "crawl", "--max-size", "1T", "--warc-max-size", "4096", NULL) == 0);
	CHECK(cfg.max_size == 1LL << 40 && cfg.warc_max_size == 4096);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "crawl", "--max-size", "3m", NULL) == 0);
	CHECK(cfg.max_size == 3 << 20);
	opt_config_free(&cfg);

	expect_error("--max-size: '10Q' is not a size (use e.g. 500k, 10M, 1G)",
		     "crawl", "--max-size", "10Q", NULL);
	expect_error("--max-size: '1.5M' is not a size (use e.g. 500k, 10M, 1G)",
		     "crawl", "--max-size", "1.5M", NULL);
	expect_error("--max-size: 'M' is not a size (use e.g. 500k, 10M, 1G)",
		     "crawl", "--max-size", "M", NULL);
	expect_error("--max-size: 0 is out of range (1..1T)", "crawl", "--max-size", "0", NULL);
	expect_error("--max-size: 2T is out of range (1..1T)", "crawl", "--max-size", "2T", NULL);
	expect_error("--max-size: 99999999999T is out of range (1..1T)",
		     "crawl", "--max-size", "99999999999T", NULL);
	expect_error("--warc-max-size: 1000 is out of range (1k..1T)",
		     "crawl", "--warc-max-size", "1000", NULL);
}

static void test_strings_and_enums(void)
{
	struct opt_config cfg;
	char *err;

	CHECK(parse(&cfg, &err, "crawl", "-U", "bot/1.0 (+http://x)", "--dir=/tmp/c",
		    "--scope", "domain", "--progress=log", NULL) == 0);
	CHECK_STR(cfg.user_agent, "bot/1.0 (+http://x)");
	CHECK_STR(cfg.dir, "/tmp/c");
	CHECK(cfg.scope == OPT_SCOPE_DOMAIN && cfg.progress == 2);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "crawl", "--scope=any", "--progress", "bar", NULL) == 0);
	CHECK(cfg.scope == OPT_SCOPE_ANY && cfg.progress == 1);
	opt_config_free(&cfg);

	expect_error("--scope: 'planet' is not one of host, domain, any", "crawl", "--scope", "planet", NULL);
	expect_error("--progress: 'Bar' is not one of auto, bar, log", "crawl", "--progress", "Bar", NULL);
}

static void test_dns_servers(void)
{
	struct opt_config cfg;
	char *err;

	CHECK(parse(&cfg, &err, "crawl", "--dns-servers",
		    "127.0.0.1,127.0.0.2:5353,[::1]:53,[::1],::1", NULL) == 0);
	CHECK_STR(cfg.dns_servers, "127.0.0.1,127.0.0.2:5353,[::1]:53,[::1],::1");
	opt_config_free(&cfg);

	expect_error("--dns-servers: '1.2.3.999' is not an IP address", "crawl", "--dns-servers", "1.2.3.999", NULL);
	expect_error("--dns-servers: '1.2.3.999' is not an IP address", "crawl", "--dns-servers", "1.1.1.1,1.2.3.999:53", NULL);
	expect_error("--dns-servers: 'localhost' is not an IP address", "crawl", "--dns-servers", "localhost", NULL);
	expect_error("--dns-servers: '' is not an IP address", "crawl", "--dns-servers", "1.1.1.1,,2.2.2.2", NULL);
	expect_error("--dns-servers: '[::1' is not an IP address", "crawl", "--dns-servers", "[::1", NULL);
	expect_error("--dns-servers: '[::1]:99999' has no valid port (1..65535)",
		     "crawl", "--dns-servers", "[::1]:99999", NULL);
	expect_error("--dns-servers: '1.2.3.4:' has no valid port (1..65535)",
		     "crawl", "--dns-servers", "1.2.3.4:", NULL);
	expect_error("--dns-servers: '[::1]x' has no valid port (1..65535)",
		     "crawl", "--dns-servers", "[::1]x", NULL);
}

static void test_bools(void)
{
	struct opt_config cfg;
	char *err;

	CHECK(parse(&cfg, &err, "crawl", "-qp", "--follow-nofollow", NULL) == 0);
	CHECK(cfg.quiet && cfg.page_requisites && cfg.follow_nofollow);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "crawl", "-p", "--no-page-requisites", "--quiet=on",
		    "--follow-nofollow=false", NULL) == 0);
	CHECK(!cfg.page_requisites && cfg.quiet && !cfg.follow_nofollow);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "crawl", "-qpc7", "-qT", "3", NULL) == 0);
	CHECK(cfg.quiet && cfg.page_requisites && cfg.concurrency == 7 && cfg.timeout == 3);
	opt_config_free(&cfg);
	/* a flag never takes the next argument as its value */
	CHECK(parse(&cfg, &err, "crawl", "--quiet", "no", NULL) == 0);
	CHECK(cfg.quiet && cfg.urls.n == 1);
	opt_config_free(&cfg);

	expect_error("--quiet: 'maybe' is not yes or no", "crawl", "--quiet=maybe", NULL);
	expect_error("--no-quiet does not take a value", "crawl", "--no-quiet=yes", NULL);
	expect_error("unknown option '--no-delay'", "crawl", "--no-delay", NULL);
	expect_error("unknown option '-x'", "crawl", "-qx", NULL);
}

static void test_lists_and_positionals(void)
{
	struct opt_config cfg;
	char *err;

	CHECK(parse(&cfg, &err, "crawl", "http://a/", "--allow", "^x", "-c", "3",
		    "--allow=y$", "--deny", "z", "http://b/", "--seeds", "s.txt",
		    "--seeds", "-", NULL) == 0);
	CHECK(cfg.allow.n == 2 && cfg.deny.n == 1 && cfg.seeds_files.n == 2);
	CHECK_STR(cfg.allow.items[0], "^x");
	CHECK_STR(cfg.allow.items[1], "y$");
	CHECK_STR(cfg.seeds_files.items[1], "-");
	CHECK(cfg.urls.n == 2 && cfg.concurrency == 3);
	CHECK_STR(cfg.urls.items[1], "http://b/");
	opt_config_free(&cfg);

	CHECK(parse(&cfg, &err, "crawl", "-q", "--", "--not-an-option", "-c", NULL) == 0);
	CHECK(cfg.quiet && cfg.urls.n == 2 && cfg.concurrency == 16);
	CHECK_STR(cfg.urls.items[0], "--not-an-option");
	opt_config_free(&cfg);
}

static void test_commands(void)
{
	struct opt_config cfg;
	char *err;

	CHECK(parse(&cfg, &err, "status", "--dir", "/d", NULL) == 0);
	CHECK(cfg.command == OPT_CMD_STATUS);
	CHECK_STR(cfg.dir, "/d");
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "why", "http://a/x", "--dir=/d", NULL) == 0);
	CHECK(cfg.command == OPT_CMD_WHY && cfg.urls.n == 1);
	CHECK_STR(cfg.urls.items[0], "http://a/x");
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "why", "-h", NULL) == 0);
	CHECK(cfg.help && cfg.command == OPT_CMD_WHY);
	opt_config_free(&cfg);

	expect_error("--delay does not apply to 'status'", "status", "--delay", "1", NULL);
	expect_error("--concurrency does not apply to 'why'", "why", "-c4", "http://a/", NULL);
	expect_error("--version does not apply to 'status'", "status", "-V", NULL);
	expect_error("'status' takes no URL (got 'http://a/')", "status", "http://a/", NULL);
	expect_error("'why' takes exactly one URL (got 0)", "why", NULL);
	expect_error("'why' takes exactly one URL (got 2)", "why", "http://a/", "http://b/", NULL);
	expect_error("unknown command 'x' (expected crawl, status, why, export or show)", "x", NULL);
	expect_error("unknown command 'x' (expected crawl, status, why, export or show)", "help", "x", NULL);
	expect_error("missing command (expected crawl, status, why, export or show); try 'crawler --help'", NULL);
	expect_error("unknown option '--bogus'", "crawl", "--bogus=1", NULL);
	expect_error("--delay: missing value", "crawl", "--delay", NULL);
	expect_error("--concurrency: missing value", "crawl", "-q", "-c", NULL);
}

static void test_help_forms(void)
{
	struct opt_config cfg;
	char *err;

	CHECK(parse(&cfg, &err, "--help", NULL) == 0);
	CHECK(cfg.help && cfg.command == 0);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "-V", NULL) == 0);
	CHECK(cfg.version && !cfg.help);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "help", "status", NULL) == 0);
	CHECK(cfg.help && cfg.command == OPT_CMD_STATUS);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "help", "--markdown", NULL) == 0);
	CHECK(cfg.help && cfg.help_markdown);
	opt_config_free(&cfg);
	CHECK(parse(&cfg, &err, "crawl", "--version", NULL) == 0);
	CHECK(cfg.version && cfg.command == OPT_CMD_CRAWL);
	opt_config_free(&cfg);
}

static void test_opt_set(void)
{
	struct opt_config cfg;
	char *err = NULL;

	opt_config_init(&cfg);
	CHECK(opt_set(&cfg, "per-host", "9", &err) == 0 && cfg.per_host == 9);
	CHECK(opt_set(&cfg, "quiet", NULL, &err) == 0 && cfg.quiet);
	CHECK(opt_set(&cfg, "no-quiet", NULL, &err) == 0 && !cfg.quiet);
	CHECK(opt_set(&cfg, "bogus", "1", &err) == -1);
	CHECK_STR(err, "unknown option '--bogus'");
	free(err);
	CHECK(opt_set(&cfg, "dir", NULL, &err) == -1);
	CHECK_STR(err, "--dir: missing value");
	free(err);
	opt_config_free(&cfg);
}

static void expect_file_error(const char *path, const char *want)
{
	struct opt_config cfg;
	char *err = NULL;

	opt_config_init(&cfg);
	CHECK(opt_load_file(&cfg, path, &err) == -1);
	CHECK_STR(err, want);
	free(err);
	opt_config_free(&cfg);
}

static void test_file(void)
{
	struct opt_config cfg;
	char *err = NULL;

	opt_config_init(&cfg);
	CHECK(opt_load_file(&cfg, "data/opt/good.ini", &err) == 0);
	CHECK_STR(cfg.dir, "/tmp/crawl-test");
	CHECK(cfg.concurrency == 8 && cfg.delay == 0.25);
	CHECK(cfg.max_size == 2 << 20 && cfg.scope == OPT_SCOPE_DOMAIN);
	CHECK(cfg.allow.n == 2 && cfg.page_requisites && !cfg.quiet);
	CHECK_STR(cfg.allow.items[0], "^https://example\\.com/");
	CHECK_STR(cfg.user_agent, "Mozilla/5.0 (compatible; testbot)");
	CHECK_STR(cfg.dns_servers, "127.0.0.1:5353,[::1]:53");
	CHECK(cfg.progress == 2 && cfg.per_host == 4);
	opt_config_free(&cfg);

	expect_file_error("data/opt/unknown_key.ini",
			  "data/opt/unknown_key.ini:3: unknown option 'bogus'");
	expect_file_error("data/opt/bad_value.ini",
			  "data/opt/bad_value.ini:4: --concurrency: 'lots' is not a whole number");
	expect_file_error("data/opt/wrong_section.ini",
			  "data/opt/wrong_section.ini:3: unknown section [fetch] (expected [crawl])");
	expect_file_error("data/opt/syntax.ini",
			  "data/opt/syntax.ini:2: expected NAME = VALUE or [crawl]");
	expect_file_error("data/opt/cli_only.ini",
			  "data/opt/cli_only.ini:2: 'help' cannot be set in a config file");
	expect_file_error("data/opt/missing.ini",
			  "data/opt/missing.ini: cannot read: No such file or directory");
	expect_file_error("data/opt", "data/opt: cannot read: Is a directory");
}

static void test_file_and_command_line(void)
{
	struct opt_config cfg;
	char *err;

	/* --config anywhere on the line is loaded first; the line wins */
	CHECK(parse(&cfg, &err, "crawl", "-c", "99", "--allow", "z", "--no-page-requisites",
		    "--config", "data/opt/good.ini", "-U", "cli", NULL) == 0);
	CHECK(cfg.concurrency == 99 && !cfg.page_requisites);
	CHECK_STR(cfg.user_agent, "cli");
	CHECK(cfg.allow.n == 3 && cfg.delay == 0.25);
	CHECK_STR(cfg.allow.items[2], "z");
	CHECK_STR(cfg.config_file, "data/opt/good.ini");
	opt_config_free(&cfg);

	/* a shared file may hold crawl options; status just ignores them */
	CHECK(parse(&cfg, &err, "status", "--config=data/opt/good.ini", NULL) == 0);
	CHECK_STR(cfg.dir, "/tmp/crawl-test");
	opt_config_free(&cfg);

	expect_error("data/opt/unknown_key.ini:3: unknown option 'bogus'",
		     "crawl", "--config", "data/opt/unknown_key.ini", NULL);
	expect_error("--config: missing value", "crawl", "--config", NULL);
}

static char *dump_to_file(const struct opt_config *cfg, char *path)
{
	char *text = opt_dump(cfg);
	int fd = mkstemp(path);
	size_t len = text ? strlen(text) : 0;

	CHECK(text != NULL && fd >= 0);
	if (fd >= 0) {
		CHECK(write(fd, text, len) == (ssize_t)len);
		close(fd);
	}
	return text;
}

static void test_dump_roundtrip(void)
{
	struct opt_config a, b;
	char path[] = "/tmp/test_opt_XXXXXX";
	char *err = NULL;

	CHECK(parse(&a, &err, "crawl", "--config", "data/opt/good.ini", "-c", "12",
		    "--delay", "0.1", "--deny", "\\.pdf$", "--seeds", "s.txt", "-qp",
		    "--max-size", "1000", "--warc-max-size", "3M", "-l", "4",
		    "--timeout", "1.25", "--scope", "any", "http://not-an-option/", NULL) == 0);
	char *text = dump_to_file(&a, path);
	opt_config_init(&b);
	CHECK(opt_load_file(&b, path, &err) == 0);
	char *again = opt_dump(&b);
	CHECK_STR(again, text);
	CHECK(text && strstr(text, "max-size = 1000\n") && strstr(text, "warc-max-size = 3M\n"));
	CHECK(text && strstr(text, "delay = 0.1\n") && strstr(text, "scope = any\n"));
	CHECK(text && strstr(text, "allow = /docs/\ndeny = \\.pdf$\n"));
	CHECK(text && !strstr(text, "config") && !strstr(text, "help") &&
	      !strstr(text, "http://not-an-option/"));
	CHECK(b.delay == a.delay && b.timeout == a.timeout && b.max_depth == 4);
	free(text);
	free(again);
	unlink(path);
	opt_config_free(&a);
	opt_config_free(&b);
}

/* Occurrences of `name` not followed by more of an option name. */
static int count_option(const char *text, const char *name)
{
	int n = 0;
	size_t len = strlen(name);

	for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
		char next = p[len];
		bool whole = !(next == '-' || (next >= 'a' && next <= 'z'));
		bool start = p == text || p[-1] == ' ' || p[-1] == '`';
		n += whole && start;
	}
	return n;
}

static char *capture_help(enum opt_command cmd, bool markdown)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	if (markdown)
		opt_print_markdown(out);
	else
		opt_print_help(out, cmd);
	fclose(out);
	return buf;
}

static void test_help_text(void)
{
	static const char *const all[] = {
		"--dir", "--config", "--seeds", "--concurrency", "--per-host",
		"--delay", "--max-depth", "--max-pages", "--scope", "--allow",
		"--deny", "--user-agent", "--dns-servers", "--timeout",
		"--connect-timeout", "--max-size", "--warc-max-size", "--zstd-level",
		"--page-requisites", "--follow-nofollow", "--quiet", "--progress",
		"--progress-interval", "--help", "--version",
	};
	char *crawl = capture_help(OPT_CMD_CRAWL, false);
	char *status = capture_help(OPT_CMD_STATUS, false);
	char *overview = capture_help(0, false);
	char *md = capture_help(0, true);
	int once = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		int n = crawl ? count_option(crawl, all[i]) : 0;
		if (n != 1)
			fprintf(stderr, "crawl help shows %s %d times\n", all[i], n);
		once += n == 1;
	}
	CHECK(once == (int)(sizeof(all) / sizeof(all[0])));
	CHECK(crawl && strstr(crawl, "Usage: crawler crawl [OPTIONS] [URL...]\n"));
	CHECK(crawl && strstr(crawl, "-c, --concurrency N") && strstr(crawl, "(default: 16)"));
	CHECK(crawl && strstr(crawl, "--scope host|domain|any"));
	CHECK(status && strstr(status, "--dir DIR") && !strstr(status, "--delay"));
	CHECK(overview && strstr(overview, "  why ") && strstr(overview, "crawler help COMMAND"));
	CHECK(md && strstr(md, "| `-c, --concurrency N` | `16` | crawl |"));
	CHECK(md && strstr(md, "`--scope host\\|domain\\|any`"));
	CHECK(md && count_option(md, "--dir") == 1);
	free(crawl);
	free(status);
	free(overview);
	free(md);
}

int main(void)
{
	test_defaults();
	test_long();
	test_seconds();
	test_size();
	test_strings_and_enums();
	test_dns_servers();
	test_bools();
	test_lists_and_positionals();
	test_commands();
	test_help_forms();
	test_opt_set();
	test_file();
	test_file_and_command_line();
	test_dump_roundtrip();
	test_help_text();
	return check_report();
}
