// Seed 003's Pre-tokenAuthLambda handler (from the AWS blog post "Secure
// Amazon API Gateway HTTP endpoints with JWT authorizers"). The statements
// are unchanged; only the line breaks the seed text lost are restored.
exports.lambdaHandler = async (event, context) => {
  let newScopes = event.request.groupConfiguration.groupsToOverride.map(item => `${item}-${event.callerContext.clientId}`)
  event.response = { "claimsOverrideDetails": { "claimsToAddOrOverride": { "scope": newScopes.join(" "), } } };
  return event
}
