def fn(event, context):
    return "from package " + event["name"]
