// The benchmark's trivial Node.js Lambda handler (bench/run.sh, lambda mode).
exports.handler = async () => ({ statusCode: 200, headers: { "content-type": "text/plain" }, body: "hello from lambda" });
