"""Names resolve only through --dns-servers (a dnsmasq the test runs), once per
host: many URLs on a host that does not exist cost one query per address
family, and all of them fail with error 'dns'."""
import collections
import os
import time

import pytest

import harness

BAD_PATHS = ["/a.html", "/b.html", "/c.html", "/d.html", "/e.html"]
LATE_BAD_PATHS = ["/f.html", "/g.html"]


def write(root, path, links):
	full = os.path.join(root, path.lstrip("/") or "index.html")
	os.makedirs(os.path.dirname(full), exist_ok=True)
	with open(full, "w") as f:
		f.write("<html><body>%s</body></html>\n" % "".join(
			'<a href="%s">x</a>\n' % h for h in links))


@pytest.fixture
def dns_site(servers, tmp_path):
	dns = servers.dnsmasq({"site.test": "127.0.0.1"}, nxdomain=["bad.test"])
	root = str(tmp_path / "site")
	ng = servers.nginx([("site.test", root)])
	bad = "http://bad.test:%d" % ng.port
	write(root, "/", [bad + p for p in BAD_PATHS] + ["/p1.html", "/p2.html"])
	write(root, "/p1.html", [bad + p for p in LATE_BAD_PATHS] + ["/p2.html"])
	write(root, "/p2.html", [bad + BAD_PATHS[0]])
	return dns, ng, bad


def per_type(queries):
	return collections.Counter(qtype for qtype, _ in queries)


def assert_one_query_per_family(dns, name):
	time.sleep(0.2)  # dnsmasq writes its log asynchronously to our reads
	counts = per_type(dns.queries(name))
	assert counts, "no query for %s reached dnsmasq" % name
	assert all(n == 1 for n in counts.values()), \
		"%s queried more than once per type: %s" % (name, dict(counts))


def test_nxdomain_host_fails_dns_with_one_query(dns_site, crawler):
	dns, ng, bad = dns_site
	site = ng.origin("site.test")
	crawler.crawl(site + "/", "--scope", "any", "--dns-servers", dns.server_arg)
	urls = crawler.urls()
	rows = [urls.get(bad + p, {"url": bad + p, "state": "absent"})
		for p in BAD_PATHS + LATE_BAD_PATHS]
	wrong = [r for r in rows if (r["state"], r.get("error")) != ("failed", "dns")]
	assert not wrong, "bad.test URLs not failed/dns:\n" + harness.describe(wrong)
	for p in ("/", "/p1.html", "/p2.html"):
		assert urls[site + p]["state"] == "done", harness.describe([urls[site + p]])
	assert_one_query_per_family(dns, "bad.test")
	assert_one_query_per_family(dns, "site.test")
	assert {e["host"] for e in ng.log()} == {"site.test"}


def test_nxdomain_seed_recorded_in_hosts(dns_site, crawler):
	dns, ng, bad = dns_site
	site = ng.origin("site.test")
	crawler.crawl(bad + "/seed.html", site + "/p2.html", "--dns-servers", dns.server_arg)
	urls = crawler.urls()
	assert (urls[bad + "/seed.html"]["state"], urls[bad + "/seed.html"]["error"]) == \
		("failed", "dns")
	assert urls[site + "/p2.html"]["state"] == "done"
	assert (urls[bad + BAD_PATHS[0]]["state"], urls[bad + BAD_PATHS[0]]["error"]) == \
		("failed", "dns"), harness.describe([urls[bad + BAD_PATHS[0]]])
	hosts = {h["host"]: h for h in crawler.query("SELECT * FROM hosts")}
	assert hosts["bad.test"]["dns_error"], hosts["bad.test"]
	assert not hosts["site.test"]["dns_error"]
	assert_one_query_per_family(dns, "bad.test")


def test_names_known_only_to_dnsmasq_resolve(dns_site, crawler):
	"""site.test exists nowhere but in our dnsmasq: fetching it proves the
	crawler asked that server."""
	dns, ng, _ = dns_site
	crawler.crawl(ng.origin("site.test") + "/p2.html", "--dns-servers", dns.server_arg)
	assert [e["uri"] for e in ng.log() if e["uri"] != "/robots.txt"] == ["/p2.html"]
	assert dns.queries("site.test")
