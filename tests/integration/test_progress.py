"""What a running crawl prints: off a terminal, a progress line every
--progress-interval seconds and a summary; on a terminal, one status line
rewritten in place; with --quiet, nothing."""
import os
import pty
import re
import subprocess

import harness

LINE = re.compile(r"done (\d+)  queued (\d+)  in flight (\d+)  \d+ pages/s  [\d.]+ MB/s  errors (\d+)")
SUMMARY = re.compile(r"fetched (\d+) pages \((\d+) failed\) in [\d.]+ s")


def slow_site(servers, n=20):
	pages = ["/p%d" % i for i in range(n)]
	body = {"body": "<html><body>%s</body></html>" % "".join('<a href="%s">x</a>' % p for p in pages)}
	routes = {p: body for p in pages + ["/"]}
	routes["/missing"] = {"status": 404, "body": "no"}
	return servers.faultserver({"latency": 0.1, "hosts": {"*": routes}})


def test_log_lines_off_a_terminal(servers, crawler):
	fs = slow_site(servers)
	res = crawler.run("crawl", "--dir", crawler.dir, "--per-host", 1, "--progress-interval", 0.3,
			  "http://127.0.0.1:%d/" % fs.port)
	assert res.rc == 0, res
	lines = res.stderr.splitlines()
	progress = [LINE.search(l) for l in lines if LINE.search(l)]
	assert len(progress) >= 3, res.stderr
	done = [int(m.group(1)) for m in progress]
	assert done == sorted(done) and done[-1] > done[0], done
	assert "\r" not in res.stderr and "\033" not in res.stderr
	summary = SUMMARY.search(res.stderr)
	assert summary and int(summary.group(1)) == 21, res.stderr
	assert "crawl data: %s/crawl.db" % crawler.dir in res.stderr


def test_status_line_on_a_terminal(servers, crawler):
	fs = slow_site(servers)
	master, slave = pty.openpty()
	proc = subprocess.Popen([crawler.binary, "crawl", "--dir", crawler.dir, "--per-host", "1",
				 "http://127.0.0.1:%d/" % fs.port], stdin=subprocess.DEVNULL,
				stdout=subprocess.DEVNULL, stderr=slave, env=harness.clean_env())
	os.close(slave)
	out = b""
	try:
		while True:
			try:
				chunk = os.read(master, 4096)
			except OSError:  # the other side closed
				break
			if not chunk:
				break
			out += chunk
	finally:
		os.close(master)
		proc.wait(timeout=60)
	text = out.decode("utf-8", "replace")
	assert proc.returncode == 0, text
	assert text.count("\r") >= 2 and "\033[K" in text, repr(text[:300])
	assert LINE.search(text) and SUMMARY.search(text), repr(text[-300:])


def test_quiet_prints_nothing(servers, crawler):
	fs = slow_site(servers, n=3)
	res = crawler.run("crawl", "--dir", crawler.dir, "--quiet", "--progress-interval", 0.1,
			  "http://127.0.0.1:%d/" % fs.port)
	assert res.rc == 0 and res.stderr == "" and res.stdout == "", res
