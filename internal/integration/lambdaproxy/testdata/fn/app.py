import json


def handler(event, context):
    """Answers with what a Python function sees of the request."""
    if event.get("version") == "2.0":
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "cookies": ["seen=" + context.aws_request_id[:8]],
            "body": json.dumps({"path": event["rawPath"], "query": event.get("queryStringParameters"), "format": "2.0"}),
        }
    return {
        "statusCode": 200,
        "multiValueHeaders": {"X-Seen": [event["httpMethod"], event["resource"]]},
        "body": json.dumps({"path": event["path"], "query": event["multiValueQueryStringParameters"], "format": "1.0"}),
    }
