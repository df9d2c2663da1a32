"""The real CDK CLI (node_modules/.bin/cdk, pinned in package.json) and one shared synth of
every sample app (cdk.json's app), reused by all integration tests of the session."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.conftest import ROOT

CDK = ROOT / "node_modules" / ".bin" / "cdk"


def cdk(*args: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    """``cdk synth --quiet --ci -o outdir *args`` in the repository, with this interpreter."""
    if not CDK.exists():
        pytest.fail(f"{CDK} missing: run scripts/setup.sh (npm ci) first")
    env = {
        **os.environ,
        # `python` in cdk.json must be this interpreter (the project's venv)
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "CDK_DISABLE_VERSION_CHECK": "true",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("PYTEST_VERSION", None)
    return subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-notices", "--ci", "-o", str(outdir), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class SampleAssembly(NamedTuple):
    """The cloud assembly `cdk synth` wrote for every sample app, and how the CLI ended."""

    out: Path
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="session")
def sample_assembly(tmp_path_factory: pytest.TempPathFactory) -> SampleAssembly:
    """`cdk synth` of cdk.json's app (sample_apps/app.py, every sample stack), run once per
    session (~60-90 s) for every test that reads the sample templates."""
    out = tmp_path_factory.mktemp("sample-apps") / "cdk.out"
    return SampleAssembly(out, cdk(outdir=out))
