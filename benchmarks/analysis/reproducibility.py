"""The comparison of two runs as one document, built once: `fwbench compare` draws it in the terminal,
`fwbench report --readme` writes it to docs/reproducibility.md and takes README's trust line from it."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

from benchmarks.analysis import claims, compare, scaling
from benchmarks.core.document import Block, Bullets, Paragraph, Section, Table


def verdicts_text(a: tuple, b: tuple) -> str:
    matches = compare.verdicts_match(claims.evaluate(*a), claims.evaluate(*b))
    same = all(m[3] for m in matches)
    return (f"The claims' verdicts: {'all the same' if same else 'not all the same'} ("
            + "; ".join(f"{cid} {va}" + ("" if ok else f" → {vb}") for cid, va, vb, ok in matches) + ").")


def document(a: tuple, b: tuple, names: tuple = ("A", "B"), raws: Optional[tuple] = None) -> List[Block]:
    """How far two runs' ratios to PyTorch agree. `a` and `b`: (records, meta); `raws`: their raw.jsonl
    records when they are two run folders (None for two machines of one merged run)."""
    (a_recs, a_meta), (b_recs, b_meta) = a, b
    rows = compare.compare_records(a_recs, b_recs)
    facts = [verdicts_text(a, b), compare.coverage_text(a_recs, b_recs, names),
             compare.thread_agreement_text(compare.thread_agreement(a_recs, b_recs)),
             compare.skew_agreement_text(compare.skew_agreement(a_recs, b_recs)),
             compare.no_steady_text(a_recs, b_recs, names)]
    if raws:
        facts += [compare.process_count_text(*raws), compare.raw_estimators_text(*raws)]
    for name, recs, raw in ((names[0], a_recs, raws[0] if raws else None), (names[1], b_recs, raws[1] if raws else None)):
        text = compare.aa_text(recs, raw)
        facts.append(f"In {name}: {text}" if text else "")
    facts += [compare.baseline_share_text(compare.baseline_share(a_recs, b_recs)),
              compare.host_speed_text(a_meta, b_meta, rows, names)]
    sweep = scaling.fit_agreement(a_recs, b_recs)
    if sweep:
        facts.append(f"Size sweep, how far {names[1]} moved from {names[0]} (median / 90th percentile): "
                     + scaling.agreement_text(sweep) + ".")
    header, by_framework = compare.framework_agreement_table(compare.framework_agreement(a_recs, b_recs))
    blocks: List[Block] = [
        Paragraph("For every step and inference cell, how far its time ratio to PyTorch moved between the two runs "
                  f"(|ratio in {names[1]} / ratio in {names[0]} − 1|), by estimator:"),
        Table(compare.REPRO_HEADER, compare.reproducibility_rows(a_recs, b_recs)),
        Bullets([f for f in facts if f])]
    if by_framework:
        blocks += [Paragraph("By framework, how far its ratios to PyTorch moved (median / 90th percentile, cells), "
                             "best reproduced first:"), Table(header, by_framework)]
    return blocks


def trust_line(a: tuple, b: tuple, lead: str = "Taken twice, the") -> str:
    """README's one line on how far to trust the numbers: agreement, interval coverage, same verdicts."""
    found = compare.agreement(a[0], b[0])
    if not found:
        return ""
    covers = compare.both_ways(a[0], b[0])
    text = (f"{lead} ratios to PyTorch moved by {found['median']:.1%} at the median cell and "
            f"{found['p90']:.1%} at the 90th percentile")
    if covers:
        first, repeat = covers
        text += (f"; each run's printed 95% intervals held the other run's ratio for {first['share']:.0%} and "
                 f"{repeat['share']:.0%} of cells (median widths {first['width']:.0%} and {repeat['width']:.0%}), so "
                 + ("the intervals are too narrow: read them as a lower bound"
                    if min(first["share"], repeat["share"]) < compare.COVERAGE_GOAL else "the intervals hold"))
    return text + ". " + verdicts_text(a, b)


def section(run: Path, repeat: Path, a: tuple, b: tuple, raws: tuple) -> Section:
    """The document under a heading that names the two runs and the command that compares them."""
    intro = Paragraph(f"`{repeat.as_posix()}` is the same command as `{run.as_posix()}`, taken again "
                      f"({b[1].get('date', '?')}; the first: {a[1].get('date', '?')}). "
                      f"`fwbench compare {run.as_posix()} {repeat.as_posix()}` prints the same.")
    return Section(f"Does `{run.as_posix()}` reproduce?", [intro] + document(a, b, ("the first", "the repeat"), raws))


def pair(run_dir: Path, repeat: Path, root: Path) -> Dict:
    """Both runs read, for `section` and `trust_line`."""
    from benchmarks.core.run_folder import load_run

    return {"a": load_run(root / run_dir), "b": load_run(root / repeat),
            "raws": (compare.read_raw(root / run_dir), compare.read_raw(root / repeat))}
