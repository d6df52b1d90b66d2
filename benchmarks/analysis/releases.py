"""What a release sweep says about each framework's upkeep (claim C4's second half), from its records: the
share of recent releases today's code runs on unchanged, release cadence, the speed trend across releases,
Python support; and the sweep a speed run links to."""
from __future__ import annotations

from datetime import date
from typing import Dict, List, Optional

from benchmarks import REPO_ROOT
from benchmarks.core import stats
from benchmarks.core.errors import UserError
from benchmarks.core.friction import wheel_for_current_python
from benchmarks.core.run_folder import RunFolder

YEARS = 2
RUNS_SHARE_LOW = 0.5  # upkeep trouble: today's code runs unchanged on fewer than half of the recent releases
REGRESSION = 1.1  # upkeep trouble: the newest release over 10% slower than an earlier one (interval clear of it)


def linked_sweep(meta: Dict) -> Optional[RunFolder]:
    """The release sweep a speed run's meta names (`fwbench report --releases-run`), if any."""
    path = meta.get("release_sweep_run")
    if not path:
        return None
    folder = RunFolder.existing(REPO_ROOT / path)
    if not folder.is_release_sweep():
        raise UserError(f"{path} holds no release sweep: take one with `fwbench run --task releases`")
    return folder


def registry(meta: Dict, framework: str) -> Dict:
    """The framework's release facts from the index, as the sweep read them (else as setup recorded them)."""
    return ((meta.get("release_facts") or {}).get(framework)
            or ((meta.get("environments") or {}).get(framework) or {}).get("registry") or {})


def index_entry(meta: Dict, record: Dict) -> Optional[Dict]:
    """The release's entry in the index facts the sweep read (version, date, wheels)."""
    version = record["release"] if not record.get("newest") else str(record.get("installed") or "").split()[0].split("+")[0]
    return next((r for r in registry(meta, record["framework"]).get("releases", []) if r["version"] == version), None)


def release_date(meta: Dict, record: Dict) -> Optional[str]:
    found = index_entry(meta, record)
    return found["date"] if found else None


def release_wheels(meta: Dict, record: Dict) -> str:
    """The CPython versions the release ships wheels for on the index ("py3": one wheel for all)."""
    found = index_entry(meta, record)
    return (", ".join(found.get("wheels") or []) or "source only") if found else "–"


def release_name(record: Dict) -> str:
    name = record["release"] if not record.get("newest") else str(record.get("installed") or "pinned")
    return name + (" (pinned)" if record.get("newest") else "")


def runs_everywhere(record: Dict) -> bool:
    return all(m["outcome"] == "runs" for m in record["models"].values())


def speed_geomean(record: Dict) -> Optional[tuple]:
    """The release's time relative to the newest, geometric mean over its timed calls (conservative ends)."""
    speed = record.get("speed") or {}
    if not speed:
        return None
    return (stats.geomean([s["ratio"] for s in speed.values()]), stats.geomean([s["ci"][0] for s in speed.values()]),
            stats.geomean([s["ci"][1] for s in speed.values()]))


def upkeep(records: List[Dict], meta: Dict, today: Optional[date] = None) -> Dict[str, Dict]:
    """Per framework, what C4 uses: the share of its earlier releases of the last two years (swept) on which
    today's code runs unchanged, release cadence, the speed trend (newest vs its earliest release that runs), and whether
    its newest release has a wheel for CPython >= 3.12."""
    today = today or date.fromisoformat(str(meta.get("date", date.today().isoformat()))[:10])
    since = today.replace(year=today.year - YEARS).isoformat()
    out = {}
    for fw in dict.fromkeys(r["framework"] for r in records):
        mine = [r for r in records if r["framework"] == fw]
        reg = registry(meta, fw)
        recent = [r for r in mine if not r.get("newest") and (release_date(meta, r) or "") >= since]  # the newest runs it
        timed = [r for r in mine if speed_geomean(r)]
        oldest = min(timed, key=lambda r: release_date(meta, r) or "", default=None)
        trend = speed_geomean(oldest) if oldest else None
        wheels = reg.get("wheels_newest_release")
        out[fw] = {
            "recent": len(recent), "recent_runs": sum(runs_everywhere(r) for r in recent),
            "swept": len(mine), "swept_runs": sum(runs_everywhere(r) for r in mine),
            "releases_recent": reg.get("releases_recent"), "median_days_between": reg.get("median_days_between"),
            "newest_release": reg.get("newest_release"), "newest_release_date": reg.get("newest_release_date"),
            "trend": trend, "trend_from": release_name(oldest) if oldest else None,
            "new_python": None if wheels is None else wheel_for_current_python(wheels),
        }
    return out


def troubles(fact: Dict) -> List[str]:
    """The upkeep trouble a framework's sweep shows, by the rule's thresholds."""
    out = []
    if fact["releases_recent"] == 0:
        out.append(f"no release in {YEARS} years (newest {fact['newest_release']}, {fact['newest_release_date']})")
    if fact["recent"] and fact["recent_runs"] / fact["recent"] < RUNS_SHARE_LOW:
        out.append(f"today's code runs unchanged on {fact['recent_runs']} of its {fact['recent']} earlier releases "
                   f"of the last {YEARS} years")
    if fact["trend"] and fact["trend"][2] < 1 / REGRESSION:
        out.append(f"its newest release takes {1 / fact['trend'][0]:.1f}× the time of {fact['trend_from']}")
    if fact["new_python"] is False:
        out.append("no binary wheel for CPython ≥ 3.12 in its newest release")
    return out


def upkeep_line(f: Dict) -> str:
    """One framework's upkeep figures in words."""
    parts = [f"today's code runs unchanged on {f['recent_runs']} of {f['recent']} earlier releases of the last {YEARS} years"
             if f["recent"] else f"no earlier release from the last {YEARS} years swept",
             f"{f['releases_recent']} releases in {YEARS} years" + (f", a median {f['median_days_between']:.0f} days apart"
                                                                   if f["median_days_between"] else "")]
    if f["trend"]:
        parts.append(f"{f['trend_from']} takes {f['trend'][0]:.2f}× the newest release's time "
                     f"[{f['trend'][1]:.2f}, {f['trend'][2]:.2f}]")
    parts.append({True: "wheels for CPython ≥ 3.12", False: "no wheel for CPython ≥ 3.12", None: "Python support unknown"}
                 [f["new_python"]])
    return "; ".join(parts)
