"""scripts/cron: the nightly wrapper runs a budgeted share of a crawl, keeps a
log per run and exports what the crawl holds; runs that can continue the
next night exit 0, runs that need a human exit with the crawler's code.
The systemd units pass `systemd-analyze verify`."""
import collections
import fcntl
import os
import subprocess

import harness

SCRIPTS = os.path.join(harness.SRC, "scripts", "cron")
WRAPPER = os.path.join(SCRIPTS, "crawl-nightly")
PAGES = 60


def nightly(crawler, crawl_dir, max_time):
	env = dict(harness.clean_env(), CRAWLER=crawler.binary, MAX_TIME=max_time,
		   REVISIT_AFTER="7d")
	p = subprocess.run([WRAPPER, crawl_dir], capture_output=True, text=True, env=env,
			   timeout=120)
	return p.returncode, p.stderr


def write_ini(crawl_dir, origin, extra=""):
	os.makedirs(crawl_dir, exist_ok=True)
	seeds = os.path.join(crawl_dir, "seeds.txt")
	with open(seeds, "w") as f:
		f.write(origin + "/\n")
	with open(os.path.join(crawl_dir, "crawl.ini"), "w") as f:
		f.write("[crawl]\nseeds = %s\nper-host = 1\nconcurrency = 1\n%s" % (seeds, extra))


def test_nightly_runs_finish_the_site_and_export_it(servers, crawler, tmp_path):
	root = str(tmp_path / "site")
	nginx = servers.nginx([("127.0.0.1", root)])
	manifest = harness.generate_site(root, PAGES, nginx.origin(), "http://other.test:1",
					 page_kb=2)
	crawl_dir = crawler.dir
	write_ini(crawl_dir, nginx.origin(), "delay = 0.05\n")

	for night in range(1, 13):
		rc, err = nightly(crawler, crawl_dir, "1s")
		assert rc == 0, err
		last = crawler.query("SELECT exit_code, end_reason FROM runs ORDER BY id DESC LIMIT 1")[0]
		if last["end_reason"] == "finished":
			break
		assert (last["exit_code"], last["end_reason"]) == (5, "time budget"), last
	assert last["end_reason"] == "finished", "not done after %d nights" % night
	assert night > 1, "one run of 1s finished the site: the budget was never reached"

	logs = sorted(os.listdir(os.path.join(crawl_dir, "logs")))
	assert len(logs) == night, logs
	exported = harness.read_jsonl(os.path.join(crawl_dir, "exports", "latest.jsonl"))
	urls = {r["url"] for r in exported}
	assert {nginx.origin() + p for p in manifest["pages"]} <= urls
	gets = collections.Counter(e["uri"] for e in nginx.log())
	assert not [u for u, n in gets.items() if n > 1], gets.most_common(3)


def test_a_held_lock_needs_a_human(servers, crawler, tmp_path):
	nginx = servers.nginx([("127.0.0.1", str(tmp_path))])
	write_ini(crawler.dir, nginx.origin())
	with open(os.path.join(crawler.dir, "lock"), "w") as lock:
		fcntl.flock(lock, fcntl.LOCK_EX)
		rc, err = nightly(crawler, crawler.dir, "10s")
	assert rc == 3, err
	assert crawler.dir in err and "needs attention" in err, err
	assert not nginx.log()


def test_a_missing_config_is_named(crawler, tmp_path):
	rc, err = nightly(crawler, str(tmp_path / "nothing"), "10s")
	assert rc == 2 and "crawl.ini" in err, err


def test_systemd_units_verify(tmp_path):
	for name in ("crawler@.service", "crawler@.timer"):
		with open(os.path.join(SCRIPTS, name)) as f:
			text = f.read().replace("/usr/local/lib/crawler/crawl-nightly", WRAPPER)
		with open(os.path.join(str(tmp_path), name.replace("@", "@example")), "w") as f:
			f.write(text)
	p = subprocess.run(["systemd-analyze", "verify", "--man=no",
			    str(tmp_path / "crawler@example.service"),
			    str(tmp_path / "crawler@example.timer")],
			   capture_output=True, text=True, timeout=60)
	assert p.returncode == 0 and not p.stderr.strip(), p.stderr
