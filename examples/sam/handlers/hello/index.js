// Answers with the route and what the gateway said about the caller.
exports.handler = async (event) => {
  const ctx = event.requestContext || {};
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      route: event.routeKey || `${event.httpMethod} ${event.resource}`,
      authorizer: ctx.authorizer || null,
      identity: ctx.identity ? { userArn: ctx.identity.userArn, sourceIp: ctx.identity.sourceIp } : null,
    }),
  };
};
