"""The `motcua` command is what installers and CI type: its help must list every command."""
import subprocess
import sys
from pathlib import Path

MOTCUA = Path(sys.executable).parent / "motcua"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(MOTCUA), *args], capture_output=True, text=True, timeout=60)


def test_top_level_help_lists_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("bench", "hw", "sim"):
        assert command in result.stdout


def test_no_command_prints_usage_and_fails():
    result = run()
    assert result.returncode == 2
    assert "usage: motcua" in result.stderr


def test_serve_help_explains_the_durability_choice_and_refuses_a_wrong_one():
    help_text = " ".join(run("serve", "--help").stdout.split())
    assert "--sync {full,normal}" in help_text and "survives a power cut" in help_text
    wrong = run("serve", "--sync", "sometimes")
    assert wrong.returncode == 2 and "invalid choice" in wrong.stderr


def test_every_command_the_readme_shows_exists():
    """The README's command list is what an installer types: each command answers --help."""
    import re
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The `motcua` command", 1)[1].split("```")[1]
    commands = set()
    for line in block.splitlines():
        words = line.split("#")[0].split()
        if not words or words[0] != "motcua":
            continue
        sub = words[2] if len(words) > 2 and re.fullmatch(r"[a-z][a-z|-]*", words[2]) else ""
        for alternative in sub.split("|"):
            commands.add((words[1], alternative) if alternative else (words[1],))
    assert ("device", "revoke") in commands and ("user", "disable") in commands and ("serve",) in commands
    for command in sorted(commands):
        result = run(*command, "--help")
        assert result.returncode == 0 and "usage: motcua" in result.stdout, (command, result.stderr)
