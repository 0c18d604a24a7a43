/* crawler: the command line.  Subcommands: crawl, status, why, export, show. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawl.h"
#include "export.h"
#include "frontier.h"
#include "opt.h"
#include "report.h"
#include "url.h"

/* `why`, `show` and `status --url` take one URL, looked up by its
 * canonical form. */
static int run_on_url(const struct opt_config *cfg, const char *given)
{
	char canon[URL_MAX];
	size_t len;
	enum url_status st = url_canonicalize(given, strlen(given), canon, sizeof canon, &len);
	if (st != URL_OK) {
		fprintf(stderr, "crawler: '%s': %s\n", given, url_status_str(st));
		return CRAWL_EXIT_USAGE;
	}
	uint64_t hash = url_hash(canon, len);
	int rc = cfg->command == OPT_CMD_WHY ? report_why(cfg->dir, canon, hash, given, stdout, stderr)
		 : cfg->command == OPT_CMD_SHOW ? export_show(cfg->dir, canon, hash, stdout, stderr)
		 : report_history(cfg->dir, canon, hash, stdout, stderr);
	return rc == 0 ? 0 : CRAWL_EXIT_FATAL;
}

static int run_command(const struct opt_config *cfg)
{
	if (cfg->help_markdown) {
		opt_print_markdown(stdout);
		return 0;
	}
	if (cfg->help) {
		opt_print_help(stdout, cfg->command);
		return 0;
	}
	if (cfg->version) {
		printf("crawler %s (%s)\n", CRAWLER_VERSION, curl_version());
		return 0;
	}
	switch (cfg->command) {
	case OPT_CMD_CRAWL:
		return crawl_run(cfg);
	case OPT_CMD_STATUS:
		if (cfg->status_url)
			return run_on_url(cfg, cfg->status_url);
		return report_status(cfg->dir, stdout, stderr) == 0 ? 0 : CRAWL_EXIT_FATAL;
	case OPT_CMD_WHY:
	case OPT_CMD_SHOW:
		return run_on_url(cfg, cfg->urls.items[0]);
	case OPT_CMD_EXPORT:
		return export_run(cfg, stderr);
	}
	opt_print_help(stderr, 0);
	return CRAWL_EXIT_USAGE;
}

/* A crawl being resumed runs with the configuration it stored, under what
 * the command line and config file give again. */
static int resume_config(struct opt_config *cfg, int argc, char **argv, char **err)
{
	char db[4096], *stored = NULL;
	snprintf(db, sizeof db, "%s/crawl.db", cfg->dir);
	if (frontier_stored_config(db, &stored, err))
		return -1;
	if (!stored)
		return 0;
	opt_config_free(cfg);
	opt_config_init(cfg);
	int rc = opt_parse_resumed(cfg, stored, argc, argv, stderr, err);
	free(stored);
	return rc;
}

int main(int argc, char **argv)
{
	struct opt_config cfg;
	char *err = NULL;
	opt_config_init(&cfg);
	if (opt_parse(&cfg, argc, argv, &err) ||
	    (cfg.command == OPT_CMD_CRAWL && !cfg.help && !cfg.version &&
	     resume_config(&cfg, argc, argv, &err))) {
		fprintf(stderr, "crawler: %s\n(see 'crawler --help')\n", err ? err : "out of memory");
		free(err);
		opt_config_free(&cfg);
		return CRAWL_EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fprintf(stderr, "crawler: libcurl failed to initialize\n");
		opt_config_free(&cfg);
		return CRAWL_EXIT_FATAL;
	}
	int rc = run_command(&cfg);
	curl_global_cleanup();
	opt_config_free(&cfg);
	return rc;
}
