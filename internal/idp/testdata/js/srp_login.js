// Drives amazon-cognito-identity-js against a gatehouse idp listener:
// USER_SRP_AUTH login, then a refresh. Prints a JSON result on stdout.
// Usage: node srp_login.js <endpoint> <poolId> <clientId> <username> <password>
'use strict';
const { CognitoUserPool, CognitoUser, AuthenticationDetails } = require('amazon-cognito-identity-js');

const [endpoint, poolId, clientId, username, password] = process.argv.slice(2);
const pool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint });
const user = new CognitoUser({ Username: username, Pool: pool });
user.setAuthenticationFlowType('USER_SRP_AUTH');
const details = new AuthenticationDetails({ Username: username, Password: password });

function fail(err) {
  process.stdout.write(JSON.stringify({ error: { code: err.code || err.name, message: err.message } }) + '\n');
  process.exit(0);
}

user.authenticateUser(details, {
  onSuccess(session) {
    const refresh = session.getRefreshToken();
    user.refreshSession(refresh, (err, refreshed) => {
      if (err) return fail(err);
      process.stdout.write(JSON.stringify({
        idToken: session.getIdToken().getJwtToken(),
        accessToken: session.getAccessToken().getJwtToken(),
        refreshToken: refresh.getToken(),
        refreshedIdToken: refreshed.getIdToken().getJwtToken(),
      }) + '\n');
    });
  },
  onFailure: fail,
  newPasswordRequired() {
    fail({ code: 'NewPasswordRequired', message: 'unexpected challenge' });
  },
});
