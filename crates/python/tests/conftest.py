"""Shared fixtures: the repository, the bundled sample, and the `ikou` CLI to compare with."""

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "testdata" / "sample" / "juki-1000.dat"
PROFILE = "sample-juki"


def _cli_path() -> Path:
    """The `ikou` binary: $IKOU_BIN (scripts/test.sh sets it), else built with cargo."""
    env = os.environ.get("IKOU_BIN")
    if env:
        return Path(env)
    subprocess.run(["cargo", "build", "--quiet", "-p", "ikou-cli"], cwd=REPO, check=True)
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(json.loads(meta.stdout)["target_directory"]) / "debug" / "ikou"


@pytest.fixture(scope="session")
def cli():
    path = _cli_path()
    assert path.is_file(), f"the ikou binary is missing: {path}"

    def run(*args, check=True):
        return subprocess.run(
            [str(path), *map(str, args)], capture_output=True, text=True, check=check
        )

    return run


@pytest.fixture(scope="session")
def cli_run(cli, tmp_path_factory):
    """The CLI's run of the sample: its run directory."""
    out = tmp_path_factory.mktemp("cli") / "run"
    cli("convert", "--profile", PROFILE, SAMPLE, "--out", out, "--quiet")
    return out
