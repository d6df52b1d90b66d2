"""Release and install facts from the package index pip is configured with (PEP 691's JSON simple API),
counting the releases this machine can install.

Users in China often point pip at a mirror, so the index is read from pip's own configuration (`pip config
list`, PIP_INDEX_URL), never hard-coded; pip's default, PyPI, where nothing is set.
"""
from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import urllib.request
from datetime import date
from typing import Dict, List, Optional

PIP_DEFAULT_INDEX = "https://pypi.org/simple"  # what pip itself uses when nothing is configured
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
YEARS = 2  # the window cadence and "releases lately" are counted over


def index_url() -> str:
    """The index pip would install from: PIP_INDEX_URL, else `index-url` from pip's configuration, else pip's own
    default."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"].split()[0]
    try:
        out = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=30)
        for line in out.stdout.splitlines():
            key, _, value = line.partition("=")
            if key.endswith(".index-url") and not key.endswith("extra-index-url"):
                return value.strip().strip("'\"").split()[0]
    except (OSError, subprocess.SubprocessError):
        pass
    return PIP_DEFAULT_INDEX


def project_files(package: str, index: Optional[str] = None, timeout: float = 30) -> List[Dict]:
    """Every file the index lists for the package (filename, upload-time, yanked)."""
    name = re.sub(r"[-_.]+", "-", package).lower()
    request = urllib.request.Request(f"{(index or index_url()).rstrip('/')}/{name}/", headers={"Accept": SIMPLE_JSON})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)["files"]


def version_of(filename: str) -> Optional[str]:
    """The release a wheel or sdist file belongs to, or None for a file name that does not parse."""
    from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return None


def installs_here(filename: str) -> bool:
    """Whether pip could install this file on this machine: an sdist, or a wheel for this platform (or any)."""
    from packaging.tags import platform_tags
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    if not filename.endswith(".whl"):
        return True
    try:
        tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return False
    mine = set(platform_tags())
    return any(t.platform == "any" or t.platform in mine for t in tags)


def releases(files: List[Dict], here: bool = True) -> List[Dict]:
    """Final releases, oldest first: version, date (its first upload) and the CPython versions it has wheels
    for. Pre-releases and yanked files are left out, and with `here` the files this machine cannot install
    (MegEngine 1.13.1 shipped macOS wheels only)."""
    from packaging.version import Version

    found: Dict[str, Dict] = {}
    for f in files:
        version = version_of(f["filename"])
        if version is None or f.get("yanked") or Version(version).is_prerelease or not f.get("upload-time"):
            continue
        if here and not installs_here(f["filename"]):
            continue
        entry = found.setdefault(version, {"version": version, "date": f["upload-time"][:10], "files": []})
        entry["date"] = min(entry["date"], f["upload-time"][:10])
        entry["files"].append(f)
    out = [dict(version=r["version"], date=r["date"], wheels=wheel_pythons(r["files"])) for r in found.values()]
    return sorted(out, key=lambda r: Version(r["version"]))


def cadence(found: List[Dict], today: date, years: int = YEARS) -> Dict:
    """How many releases came in the last `years` years and the median days between consecutive ones."""
    since = today.replace(year=today.year - years)
    dates = sorted(date.fromisoformat(r["date"]) for r in found)
    recent = [d for d in dates if d >= since]
    gaps = [(b - a).days for a, b in zip(recent, recent[1:])]
    return {"releases_recent": len(recent), "median_days_between": statistics.median(gaps) if gaps else None}


def registry_facts(package: str, index: Optional[str] = None, timeout: float = 30,
                   today: Optional[date] = None) -> Dict:
    """The package's newest release, its date, the CPython versions its newest and any release ship wheels
    for, and its cadence over the last two years (or why they are unknown)."""
    index = index or index_url()
    try:
        files = project_files(package, index, timeout)
    except (OSError, ValueError, KeyError) as exc:
        return {"registry_error": f"{type(exc).__name__}: {exc}"[:200], "index": index}
    found, anywhere = releases(files), releases(files, here=False)
    if not found:
        return {"registry_error": "no final release this machine can install on the index", "index": index}
    newest = found[-1]  # the highest version (a patch to an older line may come out after it)
    every = sorted({v for r in found for v in r["wheels"]}, key=_python_order)
    facts = {"newest_release": newest["version"], "newest_release_date": newest["date"],
             "wheels_newest_release": newest["wheels"], "wheels_any_release": every, "index": index,
             "releases": [{"version": r["version"], "date": r["date"], "wheels": r["wheels"]} for r in found],
             "checked": (today or date.today()).isoformat(), **cadence(found, today or date.today())}
    if anywhere[-1]["version"] != newest["version"]:  # a newer release, for other platforms only
        facts["newest_elsewhere"] = anywhere[-1]["version"]
    return facts


def _python_order(v: str) -> tuple:
    return v == "py3", int(v.split(".")[1]) if "." in v else 0


def wheel_pythons(files) -> list:
    """CPython versions with a binary wheel ("3.9"...), "py3" for ABI-independent wheels, [] for sdist only."""
    found = set()
    for f in files:
        name = f["filename"]
        if not name.endswith(".whl"):
            continue
        found.update(f"{a}.{b}" for a, b in re.findall(r"-cp(3)(\d+)-", name))
        if re.search(r"-py2?\.?py3-none-|-py3-none-", name):
            found.add("py3")
    return sorted(found, key=_python_order)


def wheel_for_current_python(wheels: List[str], minor: int = 12) -> bool:
    """Whether these wheels install on CPython 3.`minor` or newer (a py3 wheel installs on any)."""
    return "py3" in wheels or any(int(v.split(".")[1]) >= minor for v in wheels if "." in v)


def newer_release(pinned: str, facts: Dict, python: Optional[str] = None) -> Optional[str]:
    """The highest release newer than the pinned version that this machine can install (for CPython `python`,
    e.g. "3.11", when given: a wheel for it, a py3 wheel, or an sdist), else None."""
    from packaging.version import InvalidVersion, Version

    try:
        base = Version(pinned.split()[0].split("+")[0])
        found = facts.get("releases") or ([{"version": facts["newest_release"], "wheels": []}]
                                          if facts.get("newest_release") else [])
        newer = [r for r in found if Version(r["version"]) > base]
    except InvalidVersion:
        return None
    if python:
        short = ".".join(python.split(".")[:2])
        newer = [r for r in newer if not r["wheels"] or short in r["wheels"] or "py3" in r["wheels"]]
    return max(newer, key=lambda r: Version(r["version"]))["version"] if newer else None



RELEASES_HEADER = ["Framework", "Package", "Pinned here", "Newest on the index", "Releases, last 2 years",
                   "Median days between", "CPython wheels of the newest", "Newest CPython?"]


def releases_table(rows: List[tuple]) -> tuple:
    """(header, rows) of release facts: `rows` holds (framework display name, package, pinned version, its
    registry_facts). "Newest CPython?" asks whether the newest release has a wheel for the newest CPython any
    of them ships wheels for."""
    newest_python = max((v for *_, f in rows for v in f.get("wheels_any_release", []) if v != "py3"),
                        key=_python_order, default=None)
    out = []
    for name, package, pinned, f in rows:
        if f.get("registry_error"):
            out.append([name, package, pinned, f"unknown: {f['registry_error'][:60]}", "–", "–", "–", "–"])
            continue
        wheels = f["wheels_newest_release"]
        days = f.get("median_days_between")
        if newest_python is None or not wheels:
            supports = "– (no wheel: built from source at install)" if not wheels else "–"
        elif newest_python in wheels:
            supports = "yes"
        else:
            supports = "yes (one py3 wheel for every CPython)" if "py3" in wheels else f"no ({newest_python})"
        elsewhere = f" ({f['newest_elsewhere']} for other platforms only)" if f.get("newest_elsewhere") else ""
        out.append([name, package, pinned, f"{f['newest_release']} ({f['newest_release_date']}){elsewhere}",
                    str(f.get("releases_recent", "–")), "–" if days is None else f"{days:.0f}",
                    ", ".join(wheels) or "sdist only", supports])
    return RELEASES_HEADER, out
