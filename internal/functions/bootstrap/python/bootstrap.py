# gatehouse Python bootstrap: the Lambda Runtime API loop for handlers
# written as "module.function" (packages as "pkg/mod.function" or
# "pkg.mod.function"). Uses only the standard library.
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ.get("AWS_LAMBDA_RUNTIME_API", "")
BASE = "/2018-06-01/runtime"


class RuntimeClient:
    """One keep-alive connection to the Runtime API, reopened on failure."""

    def __init__(self, address):
        self.address = address
        self.conn = None

    def call(self, method, route, body=None, headers=None):
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.address)
            try:
                hdrs = dict(headers or {})
                if body is not None:
                    hdrs.setdefault("Content-Type", "application/json")
                self.conn.request(method, BASE + route, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise


class RuntimeFault(Exception):
    """An error reported with a Lambda runtime error type."""

    def __init__(self, error_type, message):
        super().__init__(message)
        self.error_type = error_type


def error_document(exc, request_id=None, skip_frames=0):
    tb = exc.__traceback__
    for _ in range(skip_frames):
        if tb is not None:
            tb = tb.tb_next
    doc = {
        "errorMessage": str(exc),
        "errorType": getattr(exc, "error_type", None) or type(exc).__name__,
    }
    if request_id:
        doc["requestId"] = request_id
    doc["stackTrace"] = traceback.format_list(traceback.extract_tb(tb)) if tb is not None else []
    return doc


def load_handler(root, spec):
    try:
        modname, fname = spec.rsplit(".", 1)
    except ValueError as e:
        raise RuntimeFault("Runtime.MalformedHandlerName", "Bad handler '%s': %s" % (spec, e))
    modname = modname.replace("/", ".")
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        module = importlib.import_module(modname)
    except ImportError as e:
        raise RuntimeFault("Runtime.ImportModuleError", "Unable to import module '%s': %s" % (modname, e))
    except SyntaxError as e:
        raise RuntimeFault("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s" % (modname, e))
    fn = getattr(module, fname, None)
    if fn is None:
        raise RuntimeFault("Runtime.HandlerNotFound", "Handler '%s' missing on module '%s'" % (fname, modname))
    if not callable(fn):
        raise RuntimeFault("Runtime.HandlerNotFound", "Handler '%s' on module '%s' is not callable" % (fname, modname))
    return fn


class CognitoIdentity:
    def __init__(self, doc):
        self.cognito_identity_id = doc.get("cognitoIdentityId")
        self.cognito_identity_pool_id = doc.get("cognitoIdentityPoolId")


class ClientContext:
    def __init__(self, doc):
        self.client = doc.get("client")
        self.custom = doc.get("custom")
        self.env = doc.get("env")


class LambdaContext:
    def __init__(self, headers):
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms") or 0)
        self.identity = None
        self.client_context = None
        ci = headers.get("lambda-runtime-cognito-identity")
        if ci:
            try:
                self.identity = CognitoIdentity(json.loads(ci))
            except ValueError:
                pass
        cc = headers.get("lambda-runtime-client-context")
        if cc:
            try:
                self.client_context = ClientContext(json.loads(cc))
            except ValueError:
                pass

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(time.time() * 1000), 0)


class RequestIdFilter(logging.Filter):
    request_id = None

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id
        return True


def setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S"))
    handler.formatter.converter = time.gmtime
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)


def main():
    client = RuntimeClient(API)
    setup_logging()
    root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    try:
        handler = load_handler(root, os.environ.get("_HANDLER", ""))
    except Exception as e:
        doc = error_document(e, skip_frames=99)
        print("[ERROR] %s: %s" % (doc["errorType"], doc["errorMessage"]), file=sys.stderr)
        client.call("POST", "/init/error", json.dumps(doc),
                    {"Lambda-Runtime-Function-Error-Type": doc["errorType"]})
        sys.exit(1)

    while True:
        status, headers, body = client.call("GET", "/invocation/next")
        if status != 200:
            raise RuntimeError("invocation/next answered %d" % status)
        request_id = headers.get("lambda-runtime-aws-request-id")
        RequestIdFilter.request_id = request_id
        trace = headers.get("lambda-runtime-trace-id")
        if trace:
            os.environ["_X_AMZN_TRACE_ID"] = trace
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        route = "/invocation/%s" % request_id
        try:
            event = json.loads(body) if body else None
        except ValueError as e:
            doc = error_document(RuntimeFault("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e), request_id, 99)
            client.call("POST", route + "/error", json.dumps(doc), {"Lambda-Runtime-Function-Error-Type": doc["errorType"]})
            continue
        try:
            result = handler(event, LambdaContext(headers))
        except Exception as e:
            doc = error_document(e, request_id, skip_frames=1)
            print("[ERROR] %s: %s" % (doc["errorType"], doc["errorMessage"]), file=sys.stderr)
            client.call("POST", route + "/error", json.dumps(doc), {"Lambda-Runtime-Function-Error-Type": doc["errorType"]})
            continue
        try:
            payload = json.dumps(result)
        except (TypeError, ValueError) as e:
            doc = error_document(RuntimeFault("Runtime.MarshalError", "Unable to marshal response: %s" % e), request_id, 99)
            client.call("POST", route + "/error", json.dumps(doc), {"Lambda-Runtime-Function-Error-Type": doc["errorType"]})
            continue
        client.call("POST", route + "/response", payload.encode("utf-8"))


if __name__ == "__main__":
    main()
