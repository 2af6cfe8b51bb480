"""Completions, man pages and help topics, generated from the command tree."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from esign._gen_docs import generate
from esign.core.config.settings import PROVIDER_SETTING_ENV, SECRET_ENV
from tests.conftest import Cli
from tests.paths import ROOT

BIN = str(Path(sys.executable).parent)


def test_committed_completions_and_man_pages_are_current() -> None:
    for relative, content in generate().items():
        path = ROOT / relative
        assert path.exists(), f"{relative} missing: run python -m esign._gen_docs"
        assert path.read_text(encoding="utf-8") == content, (
            f"{relative} is out of date: run python -m esign._gen_docs"
        )


@pytest.mark.parametrize(
    ("shell", "name"), [("bash", "esign.bash"), ("zsh", "_esign"), ("fish", "esign.fish")]
)
def test_completion_command_prints_the_committed_script(cli: Cli, shell: str, name: str) -> None:
    result = cli("completion", shell)
    assert result.exit_code == 0
    assert result.stdout == (ROOT / "completions" / name).read_text()


def test_completion_rejects_other_shells(cli: Cli) -> None:
    assert cli("completion", "tcsh").exit_code == 2


def bash_complete(words: list[str], env: dict[str, str]) -> list[str]:
    """What real bash offers for TAB after `words` with the committed script loaded."""
    line = " ".join(words)
    script = (
        f"source {ROOT / 'completions' / 'esign.bash'}\n"
        f"COMP_WORDS=({line})\n"
        + ("COMP_WORDS+=('')\n" if words[-1] == "" else "")
        + "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        "_esign_completion esign\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return [line for line in result.stdout.splitlines() if line]


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    env["PATH"] = BIN + os.pathsep + env["PATH"]
    env["ESIGN_CONFIG_DIR"] = str(tmp_path / "cfg")
    for name, provider in (
        ("work-zapsign", "zapsign"),
        ("work-okd", "okdokument"),
        ("home", "zapsign"),
    ):
        subprocess.run(
            ["esign", "profile", "add", name, "--provider", provider, "-q"],
            env=env,
            check=True,
            capture_output=True,
        )
    return env


def test_real_bash_completes_commands_options_and_profiles(shell_env: dict[str, str]) -> None:
    assert shutil.which("bash")
    assert bash_complete(["esign", "d"], shell_env) == ["doc"]
    assert bash_complete(["esign", "doc", ""], shell_env) == [
        "info",
        "list",
        "upload",
        "update",
        "delete",
        "download",
        "presign",
        "wait",
        "audit",
        "attach",
        "sync",
    ]
    options = bash_complete(["esign", "doc", "download", "--"], shell_env)
    for option in ("--out", "--force", "--jobs", "--from", "--wait", "--json", "--profile"):
        assert option in options
    assert bash_complete(["esign", "doc", "list", "--profile", "wo"], shell_env) == [
        "work-okd",
        "work-zapsign",
    ]
    assert bash_complete(["esign", "profile", "use", "h"], shell_env) == ["home"]
    assert bash_complete(["esign", "profile", "add", "x", "--provider", "z"], shell_env) == [
        "zapsign"
    ]
    assert bash_complete(["esign", "help", "e"], shell_env) == ["environment", "exit-codes"]


def fish_complete(line: str, env: dict[str, str]) -> list[str]:
    """What real fish offers for TAB at the end of `line`, with the committed script."""
    result = subprocess.run(
        [
            "fish",
            "--no-config",
            "-c",
            f"source {ROOT / 'completions' / 'esign.fish'}; complete -C {shlex.quote(line)}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return [row.split("\t")[0] for row in result.stdout.splitlines() if row]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_a_tab_loads_no_rich(shell: str, shell_env: dict[str, str]) -> None:
    """Each TAB is a fresh process: rendering help through rich would add about 90 ms."""
    code = (
        "import sys\nfrom esign.cli.main import main\n"
        "try:\n    main([])\nexcept SystemExit:\n    pass\n"
        "print('RICH=' + str('rich' in sys.modules), file=sys.stderr)"
    )
    env = {
        **shell_env,
        "_ESIGN_COMPLETE": f"complete_{shell}",
        "_TYPER_COMPLETE_ARGS": "esign doc ",
        "_TYPER_COMPLETE_FISH_ACTION": "get-args",
        "COMP_WORDS": "esign doc ",
        "COMP_CWORD": "2",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "info" in result.stdout, result.stdout + result.stderr
    assert "RICH=False" in result.stderr


def test_real_fish_completes_commands_options_and_profiles(shell_env: dict[str, str]) -> None:
    assert shutil.which("fish"), "fish is needed (scripts/test installs it)"
    assert fish_complete("esign d", shell_env) == ["doc"]
    # fish sorts what it offers.
    assert fish_complete("esign doc ", shell_env) == sorted(
        [
            "info",
            "list",
            "upload",
            "update",
            "delete",
            "download",
            "presign",
            "wait",
            "audit",
            "attach",
            "sync",
        ]
    )
    options = fish_complete("esign doc download --", shell_env)
    for option in ("--out", "--force", "--jobs", "--from", "--wait", "--json", "--profile"):
        assert option in options
    assert fish_complete("esign doc list --profile wo", shell_env) == ["work-okd", "work-zapsign"]
    assert fish_complete("esign profile use h", shell_env) == ["home"]
    assert fish_complete("esign profile add x --provider z", shell_env) == ["zapsign"]
    assert fish_complete("esign help e", shell_env) == ["environment", "exit-codes"]


ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='> '; autoload -Uz compinit; compinit -u -D; source ${COMPLETION}; \
zstyle ':completion:*' list-separator '::'; setopt nobeep; LISTMAX=10000; print READY"
zpty -r z ignored '*READY*'
zpty -n -w z "${LINE}"$'	'
out=""; quiet=0
for i in {1..300}; do
  if zpty -r -t z chunk; then out+=$chunk; quiet=0; else (( quiet++ )); sleep 0.1; fi
  [[ $out == *${EXPECT}* ]] && (( quiet >= 3 )) && break
done
print -r -- "$out"
zpty -d z
"""


def zsh_complete(line: str, expect: str, env: dict[str, str]) -> str:
    """The screen of a real interactive zsh (driven through zpty, with compinit and the
    committed `_esign`) after typing `line` and TAB, once `expect` shows and output settles."""
    result = subprocess.run(
        ["zsh", "-f", "-c", ZSH_DRIVER],
        env={
            **env,
            "COMPLETION": str(ROOT / "completions" / "_esign"),
            "LINE": line,
            "EXPECT": expect,
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x08|\r", "", result.stdout)


def test_real_zsh_completes_commands_options_and_profiles(shell_env: dict[str, str]) -> None:
    assert shutil.which("zsh"), "zsh is needed (scripts/test installs it)"
    listing = zsh_complete("esign doc ", "wait", shell_env)
    offered = re.findall(r"^(\S+)\s+:: ", listing, flags=re.M)
    assert sorted(offered) == sorted(
        [
            "info",
            "list",
            "upload",
            "update",
            "delete",
            "download",
            "presign",
            "wait",
            "audit",
            "attach",
            "sync",
        ]
    ), listing
    assert "Show a document: status, signers, files." in listing
    assert "Download documents' files" in listing  # the apostrophe survives zsh's quoting
    options = zsh_complete("esign doc download --", "--wait", shell_env)
    for option in ("--out", "--force", "--jobs", "--from", "--wait", "--json", "--profile"):
        assert option in options
    # A single match is inserted into the line.
    assert "esign profile use home" in zsh_complete("esign profile use h", "home", shell_env)
    assert "esign d" in zsh_complete("esign d", "esign doc", shell_env)
    assert "esign doc " in zsh_complete("esign d", "esign doc", shell_env)


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "man").glob("*.1")))
def test_man_pages_lint_clean_and_render(page: str) -> None:
    path = ROOT / "man" / page
    lint = subprocess.run(
        ["mandoc", "-T", "lint", "-W", "warning", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0 and lint.stdout + lint.stderr == "", lint.stdout + lint.stderr
    rendered = subprocess.run(
        ["man", "-l", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "MANWIDTH": "100", "MANPAGER": "cat"},
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    for section in (
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "OPTIONS",
        "ENVIRONMENT",
        "EXIT STATUS",
        "FILES",
        "EXAMPLES",
        "SEE ALSO",
    ):
        assert re.search(rf"^{section}$", rendered.stdout, re.MULTILINE), (page, section)


def test_every_environment_variable_is_documented(cli: Cli) -> None:
    text = cli("help", "environment").stdout
    used = set(SECRET_ENV.values()) | set(PROVIDER_SETTING_ENV.values())
    source = "\n".join(p.read_text() for p in (ROOT / "src" / "esign").rglob("*.py"))
    used |= set(re.findall(r"\b(ESIGN_[A-Z_]+)\b", source))
    missing = sorted(v for v in used if v not in text)
    assert missing == []


def test_help_topics(cli: Cli) -> None:
    codes = cli("help", "exit-codes").stdout
    for code in ("0", "1", "2", "3", "4", "5", "6", "7", "8", "130"):
        assert re.search(rf"^\s+{code}\s", codes, re.MULTILINE)
    assert "stdout carries data only" in cli("help", "formatting").stdout
    assert "config.toml" in cli("help", "files").stdout
    unknown = cli("help", "nope")
    assert unknown.exit_code == 2 and "environment" in unknown.stderr
