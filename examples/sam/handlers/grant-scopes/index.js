// Pre token generation trigger (event version V2_0): adds the scopes in
// GRANT_SCOPES (space separated) to the access token of members of the
// group GRANT_GROUP. This is how a user's own access token carries a custom
// (resource-server) scope without an OAuth flow.
exports.handler = async (event) => {
  const groups = (event.request.groupConfiguration || {}).groupsToOverride || [];
  const scopes = (process.env.GRANT_SCOPES || '').split(' ').filter(Boolean);
  event.response = {
    claimsAndScopeOverrideDetails: groups.includes(process.env.GRANT_GROUP)
      ? { accessTokenGeneration: { scopesToAdd: scopes } }
      : null,
  };
  return event;
};
