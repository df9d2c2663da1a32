"""The source-root layout (DESIGN.md): constructs/ must never shadow jsii's constructs."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import constructs

import paved_road
import paved_road_blueprints
from tests.conftest import ROOT


def test_constructs_is_the_installed_jsii_library() -> None:
    # GIVEN the repository has a top-level constructs/ folder
    # WHEN python imports `constructs`
    # THEN it is the jsii library from site-packages, not the source root
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert constructs.__file__ is not None
    assert Path(constructs.__file__).resolve().is_relative_to(site)
    assert hasattr(constructs, "Construct")


def test_source_roots_have_no_init_files() -> None:
    assert not (ROOT / "constructs" / "__init__.py").exists()
    assert not (ROOT / "blueprints" / "__init__.py").exists()


def test_packages_come_from_the_source_roots() -> None:
    assert Path(paved_road.__file__ or "").parent == ROOT / "constructs" / "paved_road"
    assert (
        Path(paved_road_blueprints.__file__ or "").parent
        == ROOT / "blueprints" / "paved_road_blueprints"
    )


def test_py_typed_is_shipped() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = config["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data["paved_road"]
    assert (ROOT / "constructs" / "paved_road" / "py.typed").exists()


def test_ruff_bans_constructs_paved_road_imports(tmp_path: Path) -> None:
    # GIVEN a module that imports the library through the jsii namespace
    offender = tmp_path / "offender.py"
    offender.write_text("import constructs.paved_road\n")
    # WHEN ruff checks it with the project's configuration
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--config",
            str(ROOT / "pyproject.toml"),
            str(offender),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN the banned-api rule rejects it
    assert result.returncode == 1
    assert "TID251" in result.stdout


def test_public_api_names() -> None:
    from paved_road import (  # noqa: F401
        Criticality,
        GovernedFunction,
        PavedRoadError,
        QueueConsumer,
    )
    from paved_road.guardrails import PavedRoadChecks, enforce  # noqa: F401
    from paved_road_blueprints import EventProcessingService  # noqa: F401

    assert set(paved_road.__all__) <= set(dir(paved_road))


def test_cli_starts_without_loading_aws_cdk() -> None:
    # GIVEN a fresh interpreter WHEN the CLI module is imported
    code = "import sys, paved_road.cli; print('aws_cdk' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    # THEN aws-cdk-lib (and its Node runtime) was not loaded
    assert result.stdout.strip() == "False"
