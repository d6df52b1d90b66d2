"""Install friction facts from the package registry, captured at setup time (PyPI's JSON API)."""
from __future__ import annotations

import json
import re
import urllib.request
from typing import Dict

PYPI = "https://pypi.org/pypi/{}/json"


def registry_facts(package: str, timeout: float = 15) -> Dict:
    """Newest release, its date, and the CPython versions it ships wheels for (or why unknown)."""
    try:
        with urllib.request.urlopen(PYPI.format(package), timeout=timeout) as response:
            data = json.load(response)
    except (OSError, ValueError) as exc:
        return {"registry_error": f"{type(exc).__name__}: {exc}"[:200]}
    newest = data["info"]["version"]
    files = data["releases"].get(newest, [])
    dates = sorted(f["upload_time_iso_8601"] for f in files if f.get("upload_time_iso_8601"))
    every = [f for release in data["releases"].values() for f in release]
    return {
        "newest_release": newest,
        "newest_release_date": dates[-1][:10] if dates else None,
        "wheels_newest_release": wheel_pythons(files),
        "wheels_any_release": wheel_pythons(every),
    }


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
    return sorted(found, key=lambda v: (v == "py3", int(v.split(".")[1]) if "." in v else 0))
