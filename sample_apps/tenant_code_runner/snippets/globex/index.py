"""globex's snippets: validate and normalize an order reference."""

import re


def validate(event, context):
    return {"valid": bool(re.fullmatch(r"GX-\d{6}", str(event.get("reference", ""))))}


def normalize(event, context):
    return {"reference": str(event.get("reference", "")).strip().upper()}
