"""Proxies: every request through an HTTP proxy (tinyproxy, with Basic
credentials) or a SOCKS5 proxy (microsocks, with a user and password);
wrong credentials are `proxy` failures; --trust-env reads HTTP_PROXY and
NO_PROXY and is off by default; --proxy-list spreads hosts; the proxy's
password is in no file of the crawl directory."""
import os
import subprocess

import pytest

import harness

USER, PASSWORD = "alice", "s3cret-Pr0xy"


class Tinyproxy(harness.Server):
	name = "tinyproxy"

	def spawn(self):
		os.chmod(self.workdir, 0o777)  # it writes its log as another user
		self.log_path = os.path.join(self.workdir, "tinyproxy.log")
		conf = os.path.join(self.workdir, "tinyproxy.conf")
		with open(conf, "w") as f:
			f.write('Port %d\nListen 127.0.0.1\nTimeout 30\nLogFile "%s"\nLogLevel Connect\n'
				"MaxClients 50\nBasicAuth %s %s\n" % (self.port, self.log_path, USER, PASSWORD))
		return subprocess.Popen(["tinyproxy", "-d", "-c", conf], stdout=subprocess.DEVNULL,
					stderr=subprocess.DEVNULL, env=harness.clean_env())

	def ready(self):
		return harness.port_answers(self.port)

	def requests(self):
		if not os.path.exists(self.log_path):
			return []
		with open(self.log_path) as f:
			return [l.split("): ", 1)[1].strip() for l in f if "Request (file descriptor" in l]


class Microsocks(harness.Server):
	name = "microsocks"

	def spawn(self):
		return subprocess.Popen(["microsocks", "-i", "127.0.0.1", "-p", str(self.port),
					 "-u", USER, "-P", PASSWORD],
					stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
					env=harness.clean_env())

	def ready(self):
		return harness.port_answers(self.port)


@pytest.fixture
def site(servers, tmp_path):
	root = tmp_path / "site"
	root.mkdir()
	for i in range(5):
		(root / ("p%d.html" % i)).write_text(
			'<html><body><a href="p%d.html">next</a></body></html>' % (i + 1))
	(root / "p5.html").write_text("<html><body>end</body></html>")
	return servers.nginx([("127.0.0.1", str(root))])


def start(servers, server):
	servers.started.append(server)
	return server.start()


@pytest.fixture
def http_proxy(servers, tmp_path):
	return start(servers, Tinyproxy(str(tmp_path / "tinyproxy")))


@pytest.fixture
def socks(servers, tmp_path):
	return start(servers, Microsocks(str(tmp_path / "microsocks")))


def done_pages(crawler):
	return sorted(u.rsplit("/", 1)[1] for u, r in crawler.urls().items() if r["state"] == "done")


def password_in_directory(directory):
	"""Files of the crawl directory holding the password, WARC segments
	decompressed first."""
	found = []
	for top, _, files in os.walk(directory):
		for name in files:
			path = os.path.join(top, name)
			data = open(path, "rb").read()
			if name.endswith(".zst"):
				data = subprocess.run(["zstd", "-dc", path], capture_output=True).stdout
			if PASSWORD.encode() in data:
				found.append(path)
	return found


def test_every_request_goes_through_the_http_proxy(site, http_proxy, crawler):
	url = "http://%s:%s@127.0.0.1:%d" % (USER, PASSWORD, http_proxy.port)
	crawler.crawl(site.origin() + "/p0.html", "--proxy", url)
	assert done_pages(crawler) == ["p%d.html" % i for i in range(6)]
	through = http_proxy.requests()
	assert len(through) == len(site.log()) == 7, (through, site.log())  # with robots.txt
	assert all(r.startswith("GET http://127.0.0.1:%d/" % site.port) for r in through), through
	assert not password_in_directory(crawler.dir)
	config = crawler.query("SELECT config FROM runs")[0]["config"]
	assert "proxy = http://alice:***@127.0.0.1" in config, config


def test_proxy_user_option(site, http_proxy, crawler):
	crawler.crawl(site.origin() + "/p0.html", "--proxy", "http://127.0.0.1:%d" % http_proxy.port,
		      "--proxy-user", "%s:%s" % (USER, PASSWORD))
	assert len(done_pages(crawler)) == 6
	assert not password_in_directory(crawler.dir)


def test_wrong_proxy_credentials_are_proxy_failures(site, http_proxy, crawler):
	# a tunnel (https) the proxy refuses: the transfer never reaches the site
	url = "http://%s:wrong@127.0.0.1:%d" % (USER, http_proxy.port)
	crawler.crawl("https://127.0.0.1:%d/p0.html" % site.port, "--proxy", url, "--retries", 0,
		      "--no-robots")
	row = crawler.urls()["https://127.0.0.1:%d/p0.html" % site.port]
	assert (row["state"], row["error"]) == ("failed", "proxy"), row
	assert not site.log()


def test_socks5_proxy(site, socks, crawler):
	for scheme in ("socks5h", "socks5"):
		c = harness.Crawler(crawler.binary, crawler.dir + "-" + scheme)
		url = "%s://%s:%s@127.0.0.1:%d" % (scheme, USER, PASSWORD, socks.port)
		c.crawl(site.origin() + "/p0.html", "--proxy", url)
		assert len(done_pages(c)) == 6, scheme
		assert not password_in_directory(c.dir)
	bad = harness.Crawler(crawler.binary, crawler.dir + "-bad")
	seed = site.origin() + "/p0.html"
	bad.crawl(seed, "--proxy", "socks5h://%s:wrong@127.0.0.1:%d" % (USER, socks.port),
		  "--retries", 0, "--no-robots")
	assert bad.urls()[seed]["error"] == "proxy", bad.urls()[seed]


def test_trust_env_and_no_proxy(site, crawler):
	dead = "http://127.0.0.1:%d" % harness.free_port()  # nothing listens there
	env = dict(harness.clean_env(), HTTP_PROXY=dead)
	seed = site.origin() + "/p0.html"

	def run(label, *args, extra_env=None):
		c = harness.Crawler(crawler.binary, crawler.dir + label)
		p = subprocess.run([c.binary, "crawl", "--dir", c.dir, "--quiet", "--retries", "0",
				    "--no-robots", seed] + list(args), capture_output=True, text=True,
				   env=dict(env, **(extra_env or {})), timeout=120)
		return c, p
	# off by default: the environment's proxy is ignored
	c, p = run("-default")
	assert p.returncode == 0 and len(done_pages(c)) == 6, p.stderr
	# --trust-env: through the (dead) proxy, so a proxy failure
	c, p = run("-trusted", "--trust-env")
	assert c.urls()[seed]["error"] == "proxy", c.urls()[seed]
	# NO_PROXY exempts the host
	c, p = run("-noproxy", "--trust-env", extra_env={"NO_PROXY": "example.org,127.0.0.1"})
	assert len(done_pages(c)) == 6, p.stderr


def fnv1a64(text):
	h = 0xcbf29ce484222325
	for b in text.encode():
		h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
	return h


def test_proxy_list_spreads_hosts(servers, site, http_proxy, crawler, tmp_path):
	"""Each host always goes through the proxy its origin hashes to (proxies
	resolve names with their own resolver, so the hosts are IP origins:
	three nginx ports)."""
	others = [servers.nginx([("127.0.0.1", str(tmp_path / "site"))]) for _ in range(2)]
	proxies = [http_proxy, start(servers, Tinyproxy(str(tmp_path / "tinyproxy2")))]
	listing = tmp_path / "proxies.txt"
	listing.write_text("# two proxies\nhttp://%s:%s@127.0.0.1:%d\n\nhttp://%s:%s@127.0.0.1:%d\n" % (
		USER, PASSWORD, proxies[0].port, USER, PASSWORD, proxies[1].port))
	origins = [s.origin() for s in [site] + others]
	crawler.crawl(*[o + "/p5.html" for o in origins], "--proxy-list", str(listing), "--no-robots")
	for origin in origins:
		expect = proxies[fnv1a64(origin) % 2]
		other = proxies[1 - fnv1a64(origin) % 2]
		assert ["GET %s/p5.html HTTP/1.1" % origin] == [
			r for r in expect.requests() if r.startswith("GET " + origin + "/")], origin
		assert not [r for r in other.requests() if r.startswith("GET " + origin + "/")]


@pytest.mark.parametrize("args,needle", [
	(["--proxy", "ftp://127.0.0.1:21"], "--proxy"),
	(["--proxy", "http://"], "--proxy"),
	(["--proxy", "http://127.0.0.1:99999"], "--proxy"),
	(["--proxy-user", "nocolon", "--proxy", "http://127.0.0.1:1"], "--proxy-user"),
	(["--proxy-list", "/nonexistent/list"], "--proxy-list"),
])
def test_bad_proxy_options(crawler, args, needle):
	res = crawler.run("crawl", "--dir", crawler.dir, "http://h.test/", *args)
	assert res.rc == 2 and needle in res.stderr, res
	assert not os.path.exists(os.path.join(crawler.dir, "crawl.db"))


def test_bad_line_in_proxy_list(crawler, tmp_path):
	listing = tmp_path / "proxies.txt"
	listing.write_text("http://127.0.0.1:3128\nnot a proxy\n")
	res = crawler.run("crawl", "--dir", crawler.dir, "http://h.test/", "--proxy-list", str(listing))
	assert res.rc == 2 and "proxies.txt:2" in res.stderr, res
