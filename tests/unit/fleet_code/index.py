def handler(event, context):
    """Echo handler used as tenant code in the fleet tests."""
    return event
