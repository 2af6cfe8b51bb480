"""What `pipx install esign` gets: a wheel that carries the man pages and completion scripts as
data files (so pipx links `man esign`), a license, and metadata; an sdist that carries what a
packager needs. Built from this checkout without the network (no build isolation), installed
into a fresh prefix, and used from there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.paths import ROOT

DATA_FILES = {
    "share/man/man1/esign.1",
    "share/man/man1/esign-doc.1",
    "share/man/man1/esign-request.1",
    "share/man/man1/esign-auth.1",
    "share/man/man1/esign-profile.1",
    "share/man/man1/esign-sandbox.1",
    "share/man/man1/esign-signer.1",
    "share/man/man1/esign-template.1",
    "share/man/man1/esign-account.1",
    "share/man/man1/esign-webhook.1",
    "share/bash-completion/completions/esign.bash",
    "share/zsh/site-functions/_esign",
    "share/fish/vendor_completions.d/esign.fish",
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # A copy, so that building leaves no build/ or egg-info/ in the checkout.
    source = out / "src-copy"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv*", ".git", "__pycache__", "*.egg-info", "build", "dist", ".*_cache"
        ),
    )
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _wheel(dist: Path) -> Path:
    (wheel,) = dist.glob("esign-*.whl")
    return wheel


def test_the_wheel_carries_man_pages_completions_and_license(dist: Path) -> None:
    with zipfile.ZipFile(_wheel(dist)) as wheel:
        names = set(wheel.namelist())
        (metadata_name,) = (n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(wheel.read(metadata_name).decode())
    data = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    assert data == DATA_FILES
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "esign/py.typed" in names
    assert not any("samples" in n for n in names)
    assert metadata["License-Expression"] == "MIT"
    urls = {value.split(",", 1)[0] for value in metadata.get_all("Project-URL") or []}
    assert {"Homepage", "Changelog", "Issues"} <= urls
    assert "Environment :: Console" in (metadata.get_all("Classifier") or [])


def test_the_sdist_carries_what_a_packager_needs(dist: Path) -> None:
    (sdist,) = dist.glob("esign-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in (
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "completions/esign.bash",
        "completions/_esign",
        "completions/esign.fish",
        "man/esign.1",
        "tests/conftest.py",
        "tests/system/test_packaging.py",
    ):
        assert needed in names, needed


def test_an_installed_copy_has_man_esign_and_its_completions(dist: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "prefix"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"),
            "--ignore-installed",  # never touch the running environment's own esign
            *("--prefix", str(prefix), str(_wheel(dist))),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (site,) = prefix.glob("lib/python*/site-packages")
    env = {**os.environ, "PYTHONPATH": str(site), "MANPATH": str(prefix / "share/man")}
    esign = str(prefix / "bin/esign")
    where = subprocess.run(
        ["man", "-w", "esign"], env=env, capture_output=True, text=True, check=True
    )
    assert where.stdout.strip() == str(prefix / "share/man/man1/esign.1")
    page = subprocess.run(
        ["man", "-P", "cat", "esign-doc"], env=env, capture_output=True, text=True, check=True
    )
    assert "download" in page.stdout
    for shell, installed in (
        ("bash", "share/bash-completion/completions/esign.bash"),
        ("zsh", "share/zsh/site-functions/_esign"),
        ("fish", "share/fish/vendor_completions.d/esign.fish"),
    ):
        printed = subprocess.run(
            [esign, "completion", shell], env=env, capture_output=True, text=True, check=True
        )
        assert printed.stdout == (prefix / installed).read_text(), shell
    imported = subprocess.run(
        [sys.executable, "-c", "import esign; print(esign.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.startswith(str(site))  # the installed copy, not this checkout
