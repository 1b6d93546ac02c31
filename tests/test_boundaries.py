"""The architecture as tests: the import contracts in pyproject.toml, and no back doors around them."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("queue_server", "kiosk_app", "drivers", "hardware_sim")


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(REPO / "pyproject.toml")], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout and "5 kept" in result.stdout


def test_no_product_package_starts_another_package_as_a_process():
    """A driver must not launch `motcua sim …` (or the server's CLI) to get around the contracts."""
    back_door = re.compile(r"""(sys\.executable|\[\s*["']motcua["']|["']-m["']\s*,\s*["'](queue_server|hardware_sim|bench|kiosk_app))""")
    offenders = []
    for package in PRODUCT:
        for path in (REPO / package).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if back_door.search(line):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


def test_queue_server_reads_as_a_small_core_plus_one_folder_per_feature():
    entries = sorted(p.name for p in (REPO / "queue_server").iterdir() if p.name != "__pycache__")
    modules = [e for e in entries if e.endswith(".py")]
    assert len(modules) <= 12, modules
    for feature in ("auth", "hall/tickets", "hall/counters", "results/dossiers", "results/lockers", "notices",
                    "hall/voice", "hall/ratings", "reports/dashboard", "web", "hall/events"):
        assert (REPO / "queue_server" / feature / "__init__.py").exists(), feature


def test_drivers_and_simulators_mirror_each_other_folder_for_folder():
    def folders(package: str) -> set[str]:
        return {p.name for p in (REPO / package).iterdir() if (p / "__init__.py").exists()}
    assert folders("drivers") >= {"printer", "scanner", "locker"}
    assert folders("drivers") <= folders("hardware_sim")


def test_the_readme_layout_matches_the_tree():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Layout", 1)[1].split("```")[1]
    described: set[str] = set()
    top = ""
    for line in block.splitlines():
        if not line.strip():
            continue
        indented = line.startswith(" ")
        names = []
        for word in line.split():
            if word.endswith("/") or word.endswith(".py"):
                names.append(word)
            else:
                break
        if not indented:
            top = names[0]
            described.add(top)
        else:
            described.update(top + n for n in names)
    for path in described:
        assert (REPO / path).exists(), f"README Layout names {path}, which is not in the tree"
    for package in (*PRODUCT, "bench"):
        for sub in (REPO / package).iterdir():
            if (sub / "__init__.py").exists() and sub.parent.name in ("queue_server", "kiosk_app", "drivers",
                                                                       "hardware_sim"):
                assert f"{package}/{sub.name}/" in described, f"{package}/{sub.name}/ is not described in README"
