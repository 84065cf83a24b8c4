// Returns what the handler saw, for the runner tests.
exports.handler = async (event, context) => ({
  event,
  context: {
    awsRequestId: context.awsRequestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    memoryLimitInMB: context.memoryLimitInMB,
    invokedFunctionArn: context.invokedFunctionArn,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    remaining: context.getRemainingTimeInMillis(),
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
    identity: context.identity,
    clientContext: context.clientContext,
  },
  env: process.env,
  pid: process.pid,
});
