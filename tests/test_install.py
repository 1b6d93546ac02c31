"""`pip install .` (not editable) into a fresh environment serves the sample center from anywhere."""
from __future__ import annotations

import json
import shutil
import site
import subprocess
import sys
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_wheel_install_serves_the_packaged_sample_site_from_an_empty_directory(tmp_path):
    # Built from a copy: setuptools builds in-tree (build/), and nothing may be written into the repo.
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "var", "__pycache__", "*.egg-info", ".pytest_cache", ".hypothesis"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(source)], check=True, capture_output=True, timeout=300)
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                    *map(str, wheels.glob("*.whl"))], check=True, capture_output=True, timeout=300)
    # The dependencies come from the test environment (read-only), the product from the wheel only.
    env_site = next((env_dir / "lib").glob("python3*/site-packages"))
    (env_site / "zz_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    empty = tmp_path / "anywhere"
    empty.mkdir()
    where = subprocess.run([str(python), "-c", "import queue_server, sys; print(queue_server.__file__)"],
                           cwd=empty, capture_output=True, text=True, check=True).stdout
    assert str(env_site) in where   # the installed copy, not the checkout

    proc = subprocess.Popen([str(env_dir / "bin" / "motcua"), "serve", "--port", "0"], cwd=empty,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("motcua: serving on "), proc.stderr.read()[-2000:] if proc.poll() is not None else line
        base = line.split("serving on ", 1)[1].strip()
        services = json.load(urllib.request.urlopen(base + "/api/v1/services", timeout=10))
        site_info = json.load(urllib.request.urlopen(base + "/api/v1/site", timeout=10))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert len(services) == 9 and "Lâm Đồng" in json.dumps(site_info, ensure_ascii=False)
    assert (empty / "var" / "motcua.sqlite").exists()

    init = subprocess.run([str(env_dir / "bin" / "motcua"), "init", "mysite"], cwd=empty,
                          capture_output=True, text=True, timeout=60)
    assert init.returncode == 0, init.stderr
    assert "[center]" in (empty / "mysite" / "site.toml").read_text(encoding="utf-8")
    assert "[server]" in (empty / "mysite" / "kiosk.toml").read_text(encoding="utf-8")
