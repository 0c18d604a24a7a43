"""Self-tests of the harness: the servers, the fault server and the site
generator, checked with real clients (curl, wget2) and no crawler."""
import os
import socket
import subprocess
import time

import pytest

import harness


def write(path, text):
	os.makedirs(os.path.dirname(path), exist_ok=True)
	with open(path, "w") as f:
		f.write(text)


def curl(*args):
	p = subprocess.run(["curl", "-s", "--noproxy", "*"] + list(args),
			   capture_output=True, text=True, timeout=60, env=harness.clean_env())
	return p.stdout


def test_nginx_vhosts_log_and_stop(servers, tmp_path):
	write(str(tmp_path / "a" / "index.html"), "<p>site a</p>")
	write(str(tmp_path / "b" / "x.html"), "<p>site b</p>")
	ng = servers.nginx([("a.test", str(tmp_path / "a")), ("b.test", str(tmp_path / "b"))])
	out = curl("-A", "probe/1", "-w", "\n%{http_code} %{content_type}",
		   ng.origin() + "/", "-H", "Host: a.test")
	assert out == "<p>site a</p>\n200 text/html"
	assert harness.http_get(ng.port, "/x.html", host="b.test") == (200, b"<p>site b</p>")
	assert harness.http_get(ng.port, "/x.html", host="a.test")[0] == 404
	log = ng.log()
	assert [(e["host"], e["uri"], e["status"]) for e in log] == [
		("a.test", "/", 200), ("b.test", "/x.html", 200), ("a.test", "/x.html", 404)]
	assert log[0]["ua"] == "probe/1" and log[0]["bytes"] == 13
	for key in ("msec", "request_time", "conn", "conn_requests"):
		assert isinstance(log[0][key], (int, float))
	pid = ng.proc.pid
	ng.stop()
	assert ng.proc.poll() is not None
	with pytest.raises(ProcessLookupError):
		os.kill(pid, 0)


def test_nginx_retries_when_port_taken(servers, tmp_path, monkeypatch):
	write(str(tmp_path / "r" / "index.html"), "ok")
	taken = socket.socket()
	taken.bind(("127.0.0.1", 0))
	taken.listen()
	taken_port = taken.getsockname()[1]
	ports = [taken_port]
	real = harness.free_port
	monkeypatch.setattr(harness, "free_port", lambda *a: ports.pop() if ports else real(*a))
	try:
		ng = servers.nginx([("r.test", str(tmp_path / "r"))])
	finally:
		taken.close()
	assert ng.port != taken_port
	assert harness.http_get(ng.port, "/")[0] == 200


def test_dnsmasq_answers_and_counts(servers):
	dns = servers.dnsmasq({"site.test": "127.0.0.1", "other.test": "127.0.0.2"},
			      nxdomain=["gone.test"])
	assert dns.resolve("site.test") == (0, ["127.0.0.1"])
	assert dns.resolve("www.other.test") == (0, ["127.0.0.2"])
	assert dns.resolve("site.test", qtype=28) == (0, [])  # AAAA: NODATA
	assert dns.resolve("gone.test")[0] == harness.RCODE_NXDOMAIN
	dns.resolve("gone.test")
	time.sleep(0.1)
	assert dns.queries("gone.test") == [("A", "gone.test")] * 2
	assert dns.queries("site.test") == [("A", "site.test"), ("AAAA", "site.test")]
	assert dns.server_arg == "127.0.0.1:%d" % dns.port


FAULT_CONFIG = {
	"latency": 0.0,
	"hosts": {
		"a.test": {"/": {"body": "<p>A</p>"}},
		"*": {
			"/": {"body": "<p>any</p>", "headers": {"X-Test": "1"}},
			"/slow": {"body": "slow", "latency": 0.3},
			"/r": {"kind": "redirect", "location": "/", "status": 301},
			"/port": {"body": "on {{port}}"},
			"/rport": {"kind": "redirect", "location": "http://a.test:{{port}}/"},
			"/chain": {"kind": "redirect_chain"},
			"/big": {"kind": "big", "size": 300000},
			"/reset": {"kind": "reset", "size": 50000, "sent": 2000},
			"/bad": {"kind": "malformed", "links": ["/x.html"]},
		},
	},
}


def test_faultserver_routes(servers):
	fs = servers.faultserver(FAULT_CONFIG)
	o = fs.origin()
	assert harness.http_get(fs.port, "/", host="a.test") == (200, b"<p>A</p>")
	assert harness.http_get(fs.port, "/", host="b.test") == (200, b"<p>any</p>")
	assert "X-Test: 1" in curl("-i", o + "/")
	assert curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", o + "/r") == \
		"301 %s/" % o
	assert curl("-o", "/dev/null", "-w", "%{redirect_url}", o + "/chain?n=4") == \
		"%s/chain?n=5" % o
	assert curl("-w", "%{size_download}", "-o", "/dev/null", o + "/big") == "300000"
	assert b'<a href="/x.html">' in harness.http_get(fs.port, "/bad")[1]
	assert harness.http_get(fs.port, "/nothing")[0] == 404
	assert harness.http_get(fs.port, "/port")[1] == b"on %d" % fs.port
	assert curl("-o", "/dev/null", "-w", "%{redirect_url}", o + "/rport") == \
		"http://a.test:%d/" % fs.port
	t0 = time.time()
	assert harness.http_get(fs.port, "/slow")[1] == b"slow"
	assert time.time() - t0 >= 0.3
	log = fs.log()
	slow = [e for e in log if e["path"] == "/slow"][0]
	assert slow["end"] - slow["start"] >= 0.3
	assert {e["host"] for e in log} >= {"a.test", "b.test", "127.0.0.1"}


def test_faultserver_reset_mid_body(servers):
	fs = servers.faultserver(FAULT_CONFIG)
	p = subprocess.run(["curl", "-s", "--noproxy", "*", "-o", "/dev/null", "-w",
			    "%{size_download}", fs.origin() + "/reset"],
			   capture_output=True, text=True, timeout=30)
	assert p.returncode in (18, 56)  # partial file / receive failure (reset)
	assert 0 < int(p.stdout) < 50000
	time.sleep(0.1)
	assert fs.log()[-1]["error"] == "ConnectionAbortedError"


def test_faultserver_keepalive_and_cleanup(servers):
	fs = servers.faultserver(FAULT_CONFIG)
	o = fs.origin()
	curl(o + "/", o + "/r", o + "/")
	assert len({e["conn"] for e in fs.log()}) == 1
	pid = fs.proc.pid
	servers.stop_all()
	with pytest.raises(ProcessLookupError):
		os.kill(pid, 0)


def test_max_overlap():
	assert harness.max_overlap([]) == 0
	assert harness.max_overlap([(0, 1), (1, 2)]) == 1  # touching is not overlapping
	assert harness.max_overlap([(0, 3), (1, 2), (1.5, 4), (3.5, 5)]) == 3


def gen(tmp_path, pages, seed=7, origin="http://127.0.0.1:9"):
	out = str(tmp_path / ("site%d_%d" % (pages, seed)))
	return out, harness.generate_site(out, pages, origin, "http://other.test:9", seed=seed)


def test_gensite_deterministic_and_shaped(tmp_path):
	out1, m1 = gen(tmp_path, 120, seed=3)
	out2, m2 = gen(tmp_path / "again", 120, seed=3)
	assert m1 == m2
	assert open(out1 + "/s00/t01/p60.html").read() == open(out2 + "/s00/t01/p60.html").read()
	out3, m3 = gen(tmp_path, 120, seed=4)
	assert m3["pages"] == m1["pages"]
	assert open(out1 + "/s00/t01/p60.html").read() != open(out3 + "/s00/t01/p60.html").read()
	assert len(m1["pages"]) == 120 and m1["pages"][0] == "/"
	assert max(m1["depth"].values()) == len(m1["deep"])
	for p in m1["pages"] + m1["assets"] + m1["unreachable"]:
		assert os.path.isfile(os.path.join(out1, p.lstrip("/") or "index.html")), p
	for p in m1["missing"]:
		assert not os.path.exists(os.path.join(out1, p.lstrip("/")))
	assert all(u.startswith("http://other.test:9/") for u in m1["offsite"])
	size = os.path.getsize(out1 + "/s00/t00/p1.html")
	assert 11 * 1024 < size < 14 * 1024
	html = open(out1 + "/s00/t00/p1.html").read()
	assert html.count("<a ") >= 36
	for needle in ('href="../', 'href="/', 'href="http://127.0.0.1:9/', "#sec", 'href="./'):
		assert needle in "".join(open(os.path.join(out1, p.lstrip("/"))).read()
					 for p in m1["pages"][1:40]), needle


def wget2_crawl(origin, workdir):
	subprocess.run(["wget2", "-r", "-l", "0", "--no-robots", "--no-proxy", "-q",
			"--max-threads", "4", "-P", workdir, origin + "/"],
		       timeout=240, env=harness.clean_env())


def test_gensite_manifest_matches_wget2(servers, tmp_path):
	"""wget2 recursing from / requests exactly the manifest's pages (once each),
	its missing pages, some of its assets, and nothing else."""
	root = str(tmp_path / "site")
	ng = servers.nginx([("_", root)])
	m = harness.generate_site(root, 400, ng.origin(), "http://other.test:9", seed=5)
	wget2_crawl(ng.origin(), str(tmp_path / "wget2"))
	log = ng.log()
	html = [e["uri"] for e in log if not e["uri"].startswith("/assets/")]
	assert sorted(html) == sorted(m["pages"] + m["missing"])
	status = {e["uri"]: e["status"] for e in log}
	assert all(status[p] == 404 for p in m["missing"])
	assert all(status[p] == 200 for p in m["pages"])
	assets = {e["uri"] for e in log} - set(html)
	assert assets and assets <= set(m["assets"])


def test_gensite_pages_with_curl(servers, tmp_path):
	root = str(tmp_path / "site")
	ng = servers.nginx([("_", root)])
	m = harness.generate_site(root, 50, ng.origin(), "http://other.test:9", seed=9)
	urls = m["pages"] + m["missing"] + m["unreachable"] + m["assets"]
	args = []
	for u in urls:
		args += ["-o", "/dev/null", ng.origin() + u]
	out = curl("-w", "%{http_code} %{url_effective}\n", *args)
	codes = dict(line.split(" ", 1)[::-1] for line in out.splitlines())
	for u in m["pages"] + m["unreachable"] + m["assets"]:
		assert codes[ng.origin() + u] == "200", u
	for u in m["missing"]:
		assert codes[ng.origin() + u] == "404", u
