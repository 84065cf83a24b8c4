import os


def handler(event, context):
    print("python handler got", event.get("name"))
    return {
        "event": event,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "log_group_name": context.log_group_name,
        "remaining_positive": context.get_remaining_time_in_millis() > 0,
        "handler_env": os.environ.get("_HANDLER"),
        "custom": os.environ.get("CUSTOM_SETTING"),
    }


def fails(event, context):
    raise ValueError("python says no")


def unserializable(event, context):
    return {"s": {1, 2}}
