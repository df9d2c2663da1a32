"""acme's snippet: compute a discount (tenant-supplied code, runs with no AWS permissions)."""


def handler(event, context):
    total = float(event.get("total", 0))
    return {"discount": round(total * 0.05, 2) if total > 100 else 0.0}
