"""Reading a synthesized cloud assembly (``cdk.out``) in pure Python.

Used by ``paved-road synth-summary`` and by the guardrails (which run after the
assembly is written). No aws-cdk-lib import: the files are plain JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACK_METADATA = "aws:cdk:acknowledged-rules"
STACK_ARTIFACT = "aws:cloudformation:stack"


@dataclass(frozen=True)
class Acknowledged:
    """One ``Validations.of(c).acknowledge(...)`` entry: where, which rule, why."""

    construct_path: str
    rule_id: str
    reason: str


def assemblies(root: Path) -> list[tuple[Path, dict[str, Any]]]:
    """The assembly at ``root`` and every nested one (Stages), with their manifests."""
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    found: list[tuple[Path, dict[str, Any]]] = [(root, manifest)]
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") == "cdk:cloud-assembly":
            found.extend(assemblies(root / artifact["properties"]["directoryName"]))
    return found


def stack_artifacts(root: Path) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    """(assembly directory, artifact id, artifact) for every stack, sorted by id."""
    for directory, manifest in assemblies(root):
        for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
            if artifact.get("type") == STACK_ARTIFACT:
                yield directory, artifact_id, artifact


def artifact_metadata(directory: Path, artifact: dict[str, Any]) -> dict[str, list[Any]]:
    """Construct-path -> metadata entries, inline or in ``additionalMetadataFile``."""
    metadata: dict[str, list[Any]] = dict(artifact.get("metadata") or {})
    extra = artifact.get("additionalMetadataFile")
    if extra and (directory / extra).is_file():
        metadata.update(json.loads((directory / extra).read_text(encoding="utf-8")))
    return metadata


def acknowledgments(root: Path) -> list[Acknowledged]:
    """Every acknowledgment recorded in the assembly's stacks."""
    found: list[Acknowledged] = []
    for directory, _, artifact in stack_artifacts(root):
        for path, entries in artifact_metadata(directory, artifact).items():
            for entry in entries:
                if entry.get("type") != ACK_METADATA:
                    continue
                for rule_id, reason in (entry.get("data") or {}).items():
                    # CDK stores ids qualified by namespace: "Annotation::<rule id>"
                    plain = re.sub(r"^annotation::", "", str(rule_id), flags=re.IGNORECASE)
                    found.append(Acknowledged(path, plain, str(reason or "")))
    return found
