"""initech's snippet: map a legacy status code to the platform's field."""

STATUS = {"A": "approved", "R": "rejected", "P": "pending"}


def handler(event, context):
    return {"status": STATUS.get(str(event.get("code", "")), "unknown")}
