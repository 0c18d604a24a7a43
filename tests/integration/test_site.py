"""A generated site of 2,000+ pages, served by nginx as site.test (resolved
by dnsmasq), with off-site links to other.test on the same nginx: the crawl
fetches every reachable page exactly once and nothing else."""
import collections
import os

import pytest

import harness

PAGES = 2000
# robots.txt is the only request outside the site's pages a crawler may make
ALLOWED_EXTRA = {"/robots.txt"}


class SiteCrawl:
	def __init__(self, servers, workdir, crawler_bin):
		self.dns = servers.dnsmasq({"site.test": "127.0.0.1", "other.test": "127.0.0.1"})
		root = os.path.join(workdir, "site")
		other = os.path.join(workdir, "other")
		os.makedirs(other)
		self.nginx = servers.nginx([("site.test", root), ("other.test", other)])
		self.origin = self.nginx.origin("site.test")
		self.manifest = harness.generate_site(root, PAGES, self.origin,
						      self.nginx.origin("other.test"), seed=11)
		self.bin = crawler_bin
		self.workdir = workdir

	def crawl(self, name, *extra):
		"""Crawls from / into its own directory; returns (crawler, access log)."""
		self.nginx.reset_log()
		c = harness.Crawler(self.bin, os.path.join(self.workdir, name))
		c.crawl(self.origin + "/", "--dns-servers", self.dns.server_arg,
			"--concurrency", 16, *extra, timeout=300)
		return c, self.nginx.log()

	def url(self, path):
		return self.origin + path


@pytest.fixture(scope="module")
def site(module_servers, crawler_bin, tmp_path_factory):
	return SiteCrawl(module_servers, str(tmp_path_factory.mktemp("site")), crawler_bin)


@pytest.fixture(scope="module")
def plain(site):
	return site.crawl("plain")


@pytest.fixture(scope="module")
def requisites(site):
	return site.crawl("requisites", "--page-requisites")


def gets(log, host="site.test"):
	return collections.Counter(e["uri"] for e in log if e["host"] == host)


def test_every_reachable_page_fetched_exactly_once(site, plain):
	_, log = plain
	count = gets(log)
	wrong = {p: count[p] for p in site.manifest["pages"] if count[p] != 1}
	assert not wrong, "pages not fetched exactly once (path: GETs): %s" % \
		dict(list(wrong.items())[:20])
	assert all(count[p] == 1 for p in site.manifest["missing"])


def test_no_request_outside_the_manifest(site, plain):
	_, log = plain
	m = site.manifest
	extra = set(gets(log)) - set(m["pages"]) - set(m["missing"]) - ALLOWED_EXTRA
	assert not extra, "unexpected requests: %s" % sorted(extra)[:20]
	assert all(count == 1 for p, count in gets(log).items() if p in ALLOWED_EXTRA)
	assert not set(gets(log)) & set(m["unreachable"])
	assert not gets(log, "other.test"), "the off-site host was contacted"
	assert {e["host"] for e in log} == {"site.test"}


def test_database_states(site, plain):
	crawler, _ = plain
	urls = crawler.urls()
	m = site.manifest
	bad = [urls.get(site.url(p), {"url": site.url(p), "state": "absent"})
	       for p in m["pages"]]
	bad = [r for r in bad if (r["state"], r.get("status")) != ("done", 200)]
	assert not bad, "pages not done/200:\n" + harness.describe(bad)
	bad = [urls.get(site.url(p), {"url": site.url(p), "state": "absent"})
	       for p in m["missing"]]
	bad = [r for r in bad if (r["state"], r.get("status"), r.get("error")) !=
	       ("failed", 404, "http")]
	assert not bad, "404s not failed/http/404:\n" + harness.describe(bad)
	lingering = [r for r in urls.values() if r["state"] in ("queued", "leased")]
	assert not lingering, "crawl ended with open URLs:\n" + harness.describe(lingering)


def test_depth_along_the_deep_chain(site, plain):
	"""The chain /deep/cK.html is reachable one way only, so its depths are exact."""
	crawler, _ = plain
	urls = crawler.urls()
	m = site.manifest
	wrong = [dict(urls[site.url(p)], expected=m["depth"][p]) for p in m["deep"]
		 if urls[site.url(p)]["depth"] != m["depth"][p]]
	assert not wrong, harness.describe(wrong)
	assert urls[site.url("/")]["depth"] == 0 and urls[site.url("/")]["via"] == "seed"


def test_offsite_links_skipped_by_scope(site, plain):
	crawler, _ = plain
	urls = crawler.urls()
	rows = [urls.get(u, {"url": u, "state": "absent"}) for u in site.manifest["offsite"]]
	bad = [r for r in rows if (r["state"], r.get("reason")) != ("skipped", "scope:host")]
	assert not bad, "offsite URLs not skipped scope:host:\n" + harness.describe(bad)


def test_assets_skipped_without_page_requisites(site, plain):
	crawler, log = plain
	assert not set(gets(log)) & set(site.manifest["assets"])
	urls = crawler.urls()
	rows = [urls.get(site.url(a), {"url": site.url(a), "state": "absent"})
		for a in site.manifest["assets"]]
	bad = [r for r in rows if (r["state"], r.get("reason")) != ("skipped", "asset")]
	assert not bad, "assets not skipped 'asset':\n" + harness.describe(bad)


def test_page_requisites_fetches_assets_once(site, requisites):
	crawler, log = requisites
	count = gets(log)
	m = site.manifest
	wrong = {a: count[a] for a in m["assets"] if count[a] != 1}
	assert not wrong, "assets not fetched exactly once: %s" % dict(list(wrong.items())[:20])
	assert all(count[p] == 1 for p in m["pages"])
	extra = set(count) - set(m["pages"]) - set(m["missing"]) - set(m["assets"]) - ALLOWED_EXTRA
	assert not extra, "unexpected requests: %s" % sorted(extra)[:20]
	urls = crawler.urls()
	bad = [urls.get(site.url(a), {"url": site.url(a)}) for a in m["assets"]]
	bad = [r for r in bad if r.get("state") != "done"]
	assert not bad, "assets not done:\n" + harness.describe(bad)
