"""Connection caps and politeness, observed from the server side: the fault
server answers every request after ~100 ms and logs when each request
arrived and when its response was written."""
import collections

import pytest

import harness

HOSTS = ["a.test", "b.test", "c.test", "d.test"]
PAGES_PER_HOST = 12
LATENCY = 0.1
DELAY = 0.2
SLACK = 0.01


def cross_linked_site(hosts, pages):
	"""Every page links to every page of its own host and to the index of the
	others."""
	config = {"latency": LATENCY, "hosts": {}}
	for host in hosts:
		routes = {}
		own = ["/p%d.html" % i for i in range(pages)]
		others = ["http://%s:{{port}}/" % h for h in hosts if h != host]
		links = "".join('<a href="%s">x</a>\n' % u for u in own + others)
		for path in ["/"] + ["/p%d.html" % i for i in range(pages)]:
			routes[path] = {"body": "<html><body>%s</body></html>" % links}
		config["hosts"][host] = routes
	return config


@pytest.fixture
def capsite(servers):
	dns = servers.dnsmasq({h: "127.0.0.1" for h in HOSTS})
	return dns, servers.faultserver(cross_linked_site(HOSTS, PAGES_PER_HOST))


def intervals_by_host(log):
	by_host = collections.defaultdict(list)
	for e in log:
		by_host[e["host"]].append((e["start"], e["end"]))
	return by_host


@pytest.mark.parametrize("per_host,concurrency", [(2, 8), (4, 6)])
def test_per_host_and_global_caps(capsite, crawler, per_host, concurrency):
	dns, fs = capsite
	seeds = ["http://%s:%d/" % (h, fs.port) for h in HOSTS]
	crawler.crawl(*seeds, "--dns-servers", dns.server_arg, "--per-host", per_host,
		      "--concurrency", concurrency)
	log = fs.log()
	fetched = {(e["host"], e["path"]) for e in log if e["path"] != "/robots.txt"}
	assert len(fetched) == len(HOSTS) * (PAGES_PER_HOST + 1), sorted(fetched)
	by_host = intervals_by_host(log)
	peaks = {h: harness.max_overlap(iv) for h, iv in by_host.items()}
	total = harness.max_overlap([iv for ivs in by_host.values() for iv in ivs])
	assert max(peaks.values()) <= per_host, "per-host overlap %s > %d" % (peaks, per_host)
	assert total <= concurrency, "total overlap %d > %d" % (total, concurrency)
	if per_host * len(HOSTS) <= concurrency:
		assert max(peaks.values()) == per_host, \
			"the per-host cap was never reached: %s" % peaks
	else:
		assert total == concurrency, "the global cap was never reached: %d" % total


def test_delay_between_requests_to_one_host(capsite, crawler):
	dns, fs = capsite
	seeds = ["http://%s:%d/" % (h, fs.port) for h in HOSTS[:2]]
	crawler.crawl(*seeds, "--dns-servers", dns.server_arg, "--delay", DELAY,
		      "--scope", "host", timeout=120)
	by_host = collections.defaultdict(list)
	for e in fs.log():
		by_host[e["host"]].append(e["start"])
	assert set(by_host) == set(HOSTS[:2])
	for host, starts in by_host.items():
		starts.sort()
		assert len(starts) >= PAGES_PER_HOST + 1
		gaps = [b - a for a, b in zip(starts, starts[1:])]
		assert min(gaps) >= DELAY - SLACK, "%s: request starts %.3fs apart" % (host, min(gaps))
