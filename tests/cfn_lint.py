"""cfn-lint as a test helper: every synthesized template must have no errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cfnlint.api import lint


def lint_errors(template: Mapping[str, Any] | str) -> list[str]:
    """cfn-lint error-level matches (rule ids starting with E) for a template."""
    text = template if isinstance(template, str) else json.dumps(template)
    return [
        f"{m.rule.id} {m.message} ({'/'.join(str(p) for p in m.path)})"
        for m in lint(text, regions=["us-east-1"])
        if m.rule.id.startswith("E")
    ]
