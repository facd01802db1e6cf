"""docs/RESULTS.md is the status built from docs/results/*.json: short, reproducible, up to date.

No model runs here: ``scripts/results_status.py --check`` only rebuilds the tables from the JSONs.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS_MD = ROOT / "docs" / "RESULTS.md"
RECORD_KEYS = {"command", "invocation", "machine", "versions", "date"}
VERSIONS = {"python", "numpy", "onnxruntime", "opencv", "Pillow", "mangaclean"}


def _script():
    spec = importlib.util.spec_from_file_location("results_status", ROOT / "scripts" / "results_status.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_results_md_matches_the_json_files():
    assert _script().main(["--check"]) == 0, "run: python scripts/results_status.py"


def test_results_md_is_a_short_status():
    text = RESULTS_MD.read_text()
    assert len(text.splitlines()) <= 200
    assert "scratch/" not in text  # every command must run on a fresh clone


def test_every_json_records_how_it_was_made():
    for path in sorted((ROOT / "docs" / "results").glob("*.json")):
        record = json.loads(path.read_text())
        assert RECORD_KEYS <= record.keys(), path.name
        assert {"python", "numpy", "onnxruntime", "opencv", "Pillow", "mangaclean"} <= record[
            "versions"
        ].keys()
        assert "scratch/" not in record["command"], path.name


def test_results_folder_holds_numbers_only():
    allowed = {".json"}
    assert {p.suffix for p in (ROOT / "docs" / "results").iterdir()} <= allowed


def test_relative_links_of_the_docs_resolve():
    for doc in [RESULTS_MD, ROOT / "README.md", *sorted((ROOT / "docs" / "notes").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text()):
            if "://" in target:
                continue
            assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)}: broken link {target}"


def test_check_notices_a_stale_table():
    script = _script()
    text = RESULTS_MD.read_text()
    stale = re.sub(
        r"(<!-- generated: targets -->\n).*?(<!-- end generated -->)", r"\1| old |\n\2", text, flags=re.S
    )
    assert stale != text
    assert script.render(stale) == text


def test_write_json_records_command_machine_versions_date(tmp_path):
    from mangaclean.eval.reports import write_json

    write_json(tmp_path / "r.json", {"value": 1.5, "date": "payload cannot override"}, "mangaclean eval x")
    record = json.loads((tmp_path / "r.json").read_text())
    assert RECORD_KEYS <= record.keys() and VERSIONS <= record["versions"].keys()
    assert record["command"] == "mangaclean eval x" and record["value"] == 1.5
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["date"])
