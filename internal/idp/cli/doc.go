// Package cli holds the `gatehouse userpool ...` and `gatehouse login`
// commands: thin clients of a running gatehouse's Cognito API (the idp
// listener), using the AWS SDK for Go with a custom endpoint. Management
// calls are SigV4-signed with GATEHOUSE_ACCESS_KEY_ID /
// GATEHOUSE_SECRET_ACCESS_KEY. Passwords are read from an environment
// variable or standard input, never from flags.
//
// Commands hold no state between invocations; each builds its own client.
package cli
