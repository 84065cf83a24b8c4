// Drives @aws-sdk/client-cognito-identity-provider (AWS SDK for JavaScript
// v3) against a gatehouse idp listener: signed admin calls, sign-up and
// USER_PASSWORD_AUTH. Prints a JSON result on stdout.
// Usage: node sdk_v3.js <endpoint> <poolId> <clientId>
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
'use strict';
const c = require('@aws-sdk/client-cognito-identity-provider');

const [endpoint, poolId, clientId] = process.argv.slice(2);
const client = new c.CognitoIdentityProviderClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });

async function main() {
  const out = {};
  await client.send(new c.AdminCreateUserCommand({
    UserPoolId: poolId, Username: 'nodeuser', MessageAction: 'SUPPRESS',
    UserAttributes: [{ Name: 'email', Value: 'node@example.com' }],
  }));
  await client.send(new c.AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: 'nodeuser', Password: 'N0de-passw0rd', Permanent: true }));
  const got = await client.send(new c.AdminGetUserCommand({ UserPoolId: poolId, Username: 'nodeuser' }));
  out.status = got.UserStatus;
  out.created = got.UserCreateDate instanceof Date;
  const su = await client.send(new c.SignUpCommand({ ClientId: clientId, Username: 'nodesignup', Password: 'N0de-passw0rd' }));
  out.signUpConfirmed = su.UserConfirmed;
  await client.send(new c.AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: 'nodesignup' }));
  const auth = await client.send(new c.InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'nodesignup', PASSWORD: 'N0de-passw0rd' },
  }));
  out.idToken = auth.AuthenticationResult.IdToken;
  try {
    await client.send(new c.InitiateAuthCommand({
      ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'nodeuser', PASSWORD: 'wrong' },
    }));
    out.wrongPassword = 'accepted';
  } catch (e) {
    out.wrongPassword = e.name;
    out.wrongPasswordIsTyped = e instanceof c.NotAuthorizedException;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ error: { code: e.name, message: e.message } }) + '\n');
});
