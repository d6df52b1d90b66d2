"""Release facts from the package index pip is configured with: a local index serving PEP 691 JSON."""
from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.core import friction


def _file(name, uploaded, yanked=False):
    return {"filename": name, "upload-time": uploaded, "yanked": yanked, "hashes": {}, "url": name}


FILES = [
    _file("fakeflow-1.0-cp39-cp39-manylinux2014_x86_64.whl", "2024-01-10T08:00:00Z"),
    _file("fakeflow-1.0-cp310-cp310-manylinux2014_x86_64.whl", "2024-01-11T08:00:00Z"),
    _file("fakeflow-1.0.tar.gz", "2024-01-09T08:00:00Z"),
    _file("fakeflow-1.1-cp310-cp310-manylinux2014_x86_64.whl", "2024-07-01T08:00:00Z"),
    _file("fakeflow-1.1-cp311-cp311-manylinux2014_x86_64.whl", "2024-07-01T09:00:00Z"),
    _file("fakeflow-2.0rc1-cp312-cp312-manylinux2014_x86_64.whl", "2025-05-01T08:00:00Z"),  # a pre-release
    _file("fakeflow-2.0-cp311-cp311-manylinux2014_x86_64.whl", "2025-06-01T08:00:00Z"),
    _file("fakeflow-2.0-cp312-cp312-manylinux2014_x86_64.whl", "2025-06-02T08:00:00Z"),
    _file("fakeflow-2.1-cp312-cp312-manylinux2014_x86_64.whl", "2025-09-01T08:00:00Z", yanked=True),
    _file("fakeflow-2.2-cp312-cp312-macosx_10_14_x86_64.whl", "2025-10-01T08:00:00Z"),  # not for this machine
]


@pytest.fixture
def index():
    """A local index with one project, `fakeflow`; it answers only requests for the JSON simple API."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.rstrip("/") != "/simple/fakeflow" or "application/vnd.pypi.simple.v1+json" not in \
                    self.headers.get("Accept", ""):
                self.send_error(404)
                return
            body = json.dumps({"meta": {"api-version": "1.1"}, "name": "fakeflow", "files": FILES}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/simple"
    server.shutdown()


def test_releases_are_final_unyanked_installable_here_and_dated_by_their_first_upload():
    assert [r["version"] for r in friction.releases(FILES, here=False)] == ["1.0", "1.1", "2.0", "2.2"]
    found = friction.releases(FILES)
    assert [r["version"] for r in found] == ["1.0", "1.1", "2.0"]
    assert [r["date"] for r in found] == ["2024-01-09", "2024-07-01", "2025-06-01"]
    assert found[0]["wheels"] == ["3.9", "3.10"] and found[2]["wheels"] == ["3.11", "3.12"]
    assert friction.cadence(found, date(2026, 1, 1)) == {"releases_recent": 3, "median_days_between": 254.5}  # 174 and 335 days
    assert friction.cadence(found, date(2027, 5, 1)) == {"releases_recent": 1, "median_days_between": None}


def test_facts_come_from_the_configured_index_and_name_it(index):
    facts = friction.registry_facts("FakeFlow", index, today=date(2026, 1, 1))  # names are normalised
    assert facts["newest_release"] == "2.0" and facts["newest_release_date"] == "2025-06-01"
    assert facts["wheels_newest_release"] == ["3.11", "3.12"]
    assert facts["wheels_any_release"] == ["3.9", "3.10", "3.11", "3.12"]
    assert facts["index"] == index and facts["releases_recent"] == 3
    assert facts["newest_elsewhere"] == "2.2"  # macOS wheels only: not a newer release here
    assert friction.newer_release("1.1", facts) == "2.0" and friction.newer_release("2.0+cpu", facts) is None
    assert friction.newer_release("1.1 (flax 0.12.8)", facts) == "2.0"  # JAX's version names its flax too
    assert friction.newer_release("1.0", facts, python="3.10.4") == "1.1"  # 2.0 has no CPython 3.10 wheel
    assert friction.newer_release("1.1", facts, python="3.10") is None
    missing = friction.registry_facts("nothere", index)
    assert "registry_error" in missing and "404" in missing["registry_error"]


def test_the_index_is_read_from_pips_configuration(tmp_path, monkeypatch):
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://mirrors.example.cn/pypi/simple\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(conf))
    assert friction.index_url() == "https://mirrors.example.cn/pypi/simple"
    monkeypatch.setenv("PIP_INDEX_URL", "https://other.example/simple")
    assert friction.index_url() == "https://other.example/simple"
    monkeypatch.delenv("PIP_INDEX_URL")
    conf.write_text("[global]\nextra-index-url = file:///opt/pypi/simple\n")  # an extra index is not the index
    assert friction.index_url() == friction.PIP_DEFAULT_INDEX


def test_the_releases_table_says_who_ships_for_the_newest_cpython_and_what_it_could_not_read():
    old = {"newest_release": "1.13.1", "newest_release_date": "2023-08-28", "wheels_newest_release": ["3.9", "3.10"],
           "wheels_any_release": ["3.9", "3.10"], "releases_recent": 0, "median_days_between": None}
    new = {"newest_release": "2.15.0", "newest_release_date": "2026-10-28", "wheels_newest_release": ["3.13", "3.14"],
           "wheels_any_release": ["3.12", "3.13", "3.14"], "releases_recent": 14, "median_days_between": 51}
    header, rows = friction.releases_table([("MegEngine", "megengine", "1.13.0", old), ("PyTorch", "torch", "2.13.0", new),
                                            ("Gone", "gone", "–", {"registry_error": "HTTPError: HTTP Error 404"}),
                                            ("Source", "src", "1.0", dict(old, wheels_newest_release=[])),
                                            ("Pure", "pure", "1.0", dict(old, wheels_newest_release=["py3"]))])
    by = {row[0]: dict(zip(header, row)) for row in rows}
    assert by["MegEngine"]["Newest CPython?"] == "no (3.14)" and by["PyTorch"]["Newest CPython?"] == "yes"
    assert by["MegEngine"]["Median days between"] == "–" and by["PyTorch"]["Releases, last 2 years"] == "14"
    assert by["Gone"]["Newest on the index"].startswith("unknown: HTTPError")
    assert by["Source"]["Newest CPython?"].startswith("– (no wheel") and by["Pure"]["Newest CPython?"].startswith("yes (one py3")
