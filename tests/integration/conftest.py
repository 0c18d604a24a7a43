"""Fixtures for the integration tests: server pools that always stop what they
started, and the crawler under test (tests that need it are skipped when the
binary is not built; CRAWLER_BIN names it)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402


class ServerPool:
	"""Starts servers under one work directory and stops them all at teardown,
	also when a start or the test failed."""

	def __init__(self, workdir):
		self.workdir = workdir
		self.started = []

	def _start(self, server):
		self.started.append(server)
		return server.start()

	def _dir(self, kind):
		return os.path.join(self.workdir, "%s%d" % (kind, len(self.started)))

	def nginx(self, vhosts):
		"""vhosts: [(server_name, root)], the first is the default server."""
		return self._start(harness.Nginx(self._dir("nginx"), vhosts))

	def dnsmasq(self, addresses, nxdomain=()):
		"""addresses: {name: ip}; nxdomain: names answered NXDOMAIN."""
		return self._start(harness.Dnsmasq(self._dir("dnsmasq"), addresses, nxdomain))

	def faultserver(self, config):
		return self._start(harness.FaultServer(self._dir("fault"), config))

	def stop_all(self):
		for server in reversed(self.started):
			server.stop()
		self.started.clear()


@pytest.fixture
def servers(tmp_path):
	pool = ServerPool(str(tmp_path / "servers"))
	yield pool
	pool.stop_all()


@pytest.fixture(scope="module")
def module_servers(tmp_path_factory):
	pool = ServerPool(str(tmp_path_factory.mktemp("servers")))
	yield pool
	pool.stop_all()


@pytest.fixture(scope="session")
def crawler_bin():
	path = harness.crawler_binary()
	if path is None:
		pytest.skip("crawler binary not built (set CRAWLER_BIN)")
	return path


@pytest.fixture
def crawler(crawler_bin, tmp_path):
	"""A Crawler on a fresh crawl directory."""
	return harness.Crawler(crawler_bin, str(tmp_path / "crawl"))
