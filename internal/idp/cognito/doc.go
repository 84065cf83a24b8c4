// Package cognito serves the Amazon Cognito Identity Provider API (AWS JSON
// 1.1: `POST /` with `X-Amz-Target: AWSCognitoIdentityProviderService.<Op>`)
// over gatehouse's store: user pools, app clients, groups, users, the
// password / SRP / refresh sign-in flows and their challenges, Lambda
// triggers through an injected TriggerInvoker, and each pool's JWKS and
// OpenID discovery documents at `/{poolId}/.well-known/...`.
//
// Who may call what follows Cognito (userpool.md §1.2): management and
// Admin* operations need a SigV4 signature checked by an Authenticator;
// sign-up, confirmation and InitiateAuth are public; GetUser and friends
// carry an access token in the body.
//
// A Server is safe for concurrent use. It keeps no per-user state in memory
// except a bounded outbox of delivered codes and a bounded per-source
// failure counter; everything else lives in the store. Its clock and
// randomness are injected.
package cognito
