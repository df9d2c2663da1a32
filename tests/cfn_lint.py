"""cfn-lint as a test helper: every synthesized template must have no errors."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from cfnlint.config import ConfigMixIn
from cfnlint.decode import decode_str
from cfnlint.runner import Runner


@functools.cache
def _runner() -> Runner:
    """One cfn-lint runner for the session: building it (loading every rule) takes ~1.5 s,
    validating a template with it ~0.3 s (``cfnlint.api.lint`` builds one per call)."""
    return Runner(ConfigMixIn(regions=["us-east-1"]))


_C1 = re.compile("[\x7f-\x9f]")


def _dumps(template: Mapping[str, Any]) -> str:
    """JSON as cfn-lint can read it: non-ASCII kept as is (cfn-lint's decoder cannot read an
    escaped surrogate pair), DEL and the C1 controls escaped (read as is, they make it fall
    back to its YAML parser, which refuses them)."""
    text = json.dumps(template, ensure_ascii=False)
    return _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def lint_errors(template: Mapping[str, Any] | str) -> list[str]:
    """cfn-lint error-level matches (rule ids starting with E) for a template."""
    text = template if isinstance(template, str) else _dumps(template)
    decoded, errors = decode_str(text)
    matches = errors if errors or decoded is None else _runner().validate_template(decoded)
    return [
        f"{m.rule.id} {m.message} ({'/'.join(str(p) for p in getattr(m, 'path', None) or [])})"
        for m in matches
        if m.rule.id.startswith("E")
    ]
