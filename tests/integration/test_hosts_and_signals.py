"""How hosts are identified and how a crawl stops:

- credentials in a URL (http://user:pw@host/) do not make another host: the
  URL is fetched from the real host, which is the only name looked up;
- with --scope domain, a seed given as an IP address covers that address
  only (the public suffix list would call 127.0.0.1's domain "0.1");
- SIGTERM stops a crawl gracefully: transfers in flight finish, the run is
  recorded as ended, exit code 0, and nothing is left leased."""
import signal
import time

import harness


def page(*links):
	return {"body": "<html><body>%s</body></html>" % "".join(
		'<a href="%s">x</a>' % l for l in links)}


def test_userinfo_is_not_a_host(servers, crawler):
	dns = servers.dnsmasq({"site.test": "127.0.0.1"})
	fs = servers.faultserver({"hosts": {"*": {
		"/": page("http://user:pw@site.test:{{port}}/x", "http://bob@site.test:{{port}}/y"),
		"/x": page(), "/y": page()}}})
	crawler.crawl("http://site.test:%d/" % fs.port, "--dns-servers", dns.server_arg)
	rows = crawler.urls()
	for url in ("http://user:pw@site.test:%d/x" % fs.port, "http://bob@site.test:%d/y" % fs.port):
		assert rows[url]["state"] == "done", harness.describe(list(rows.values()))
	# one host: one robots.txt, whatever the credentials in the links
	assert sorted(e["path"] for e in fs.log()) == ["/", "/robots.txt", "/x", "/y"]
	asked = {name for _, name in dns.queries()}
	assert all("user" not in q and "bob" not in q for q in asked), asked
	hosts = crawler.query("SELECT origin FROM hosts")
	assert [h["origin"] for h in hosts] == ["http://site.test:%d" % fs.port], hosts


def test_ip_seed_with_domain_scope_stays_on_that_address(servers, crawler):
	fs = servers.faultserver({"hosts": {"*": {
		"/": page("http://127.1.0.1:{{port}}/leak", "http://127.0.0.1:{{port}}/ok"),
		"/ok": page()}}})
	crawler.crawl("http://127.0.0.1:%d/" % fs.port, "--scope", "domain")
	rows = crawler.urls()
	leak = rows["http://127.1.0.1:%d/leak" % fs.port]
	assert (leak["state"], leak["reason"]) == ("skipped", "scope:domain"), leak
	assert rows["http://127.0.0.1:%d/ok" % fs.port]["state"] == "done"


def test_sigterm_stops_gracefully(servers, crawler):
	pages = ["/p%d" % i for i in range(200)]
	routes = {p: page(*pages) for p in pages}
	routes["/"] = page(*pages)
	fs = servers.faultserver({"latency": 0.2, "hosts": {"*": routes}})
	proc = crawler.start("crawl", "--dir", crawler.dir, "--quiet", "--per-host", 4,
			     "http://127.0.0.1:%d/" % fs.port)
	try:
		harness.wait_until(lambda: len(fs.log()) >= 10, 30, "some requests")
		proc.send_signal(signal.SIGTERM)
		started = time.time()
		_, err = proc.communicate(timeout=30)
	finally:
		if proc.poll() is None:
			proc.kill()
			proc.wait()
	assert proc.returncode == 0, err
	assert time.time() - started < 5, "a graceful stop should take about one response time"
	runs = crawler.query("SELECT ended_at, exit_code, pages FROM runs")
	assert len(runs) == 1 and runs[0]["ended_at"] is not None and runs[0]["exit_code"] == 0, runs
	states = {r["state"]: r["n"] for r in crawler.query(
		"SELECT state, count(*) AS n FROM urls GROUP BY state")}
	assert "leased" not in states, states
	assert states.get("queued", 0) > 0, states  # it stopped before the end
	# every request the server answered was recorded as fetched (robots.txt
	# goes to the robots table)
	answered = {e["path"] for e in fs.log() if e.get("error") is None} - {"/robots.txt"}
	assert crawler.query("SELECT count(*) AS n FROM robots")[0]["n"] == 1
	done = {u.split(str(fs.port), 1)[1] for u, r in crawler.urls().items()
		if r["state"] in ("done", "failed")}
	assert answered <= done, sorted(answered - done)[:5]
