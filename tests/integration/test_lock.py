"""One crawl per directory: while a crawl holds DIR/lock, a second
`crawler crawl` on the same directory exits at once with code 3, names the
directory, and writes nothing; once the first has exited, the lock it left
does not block the next run."""
import signal

import harness


def test_second_crawl_on_a_busy_directory(servers, crawler):
	pages = ["/p%d" % i for i in range(100)]
	body = {"body": "<html><body>%s</body></html>" % "".join('<a href="%s">x</a>' % p for p in pages)}
	fs = servers.faultserver({"latency": 0.2, "hosts": {"*": {p: body for p in pages + ["/"]}}})
	seed = "http://127.0.0.1:%d/" % fs.port
	first = crawler.start("crawl", "--dir", crawler.dir, "--quiet", "--per-host", 1, seed)
	try:
		harness.wait_until(lambda: len(fs.log()) >= 2, 30, "the first crawl to start")
		before = crawler.query("SELECT count(*) AS n FROM runs")
		second = crawler.run("crawl", "--dir", crawler.dir, seed + "other", timeout=10)
		assert second.rc == 3, second
		assert second.stderr.startswith("crawler: ") and crawler.dir in second.stderr, second
		assert crawler.query("SELECT count(*) AS n FROM runs") == before
		assert not crawler.query("SELECT url FROM urls WHERE url LIKE '%/other'")
	finally:
		first.send_signal(signal.SIGTERM)
		first.communicate(timeout=30)
	assert first.returncode == 0
	# the lock file stays behind; it does not block the next run
	again = crawler.run("crawl", "--dir", crawler.dir, "--quiet", "--max-pages", 1)
	assert again.rc == 6, again  # the page budget stopped it with work left
