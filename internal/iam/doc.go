// Package iam owns gatehouse's IAM principals: the directory built from the
// native config's iam section plus the root credentials from the
// environment, the identities requests are made as (users, the account root,
// assumed-role sessions) of the API owner's account and of the other
// accounts declared in iam.accounts (each principal carries its own account
// in ARNs, aws:PrincipalAccount and the integration's accountId; a session
// belongs to its role's account; cross-account AssumeRole needs the trust
// policy and the caller's identity policies to allow), temporary credentials issued by an STS-compatible
// AssumeRole endpoint and kept in a bounded SessionStore, and the mapping of
// SigV4 refusals to gateway responses.
//
// Concurrency: a Directory is immutable after NewDirectory and safe for
// concurrent use; a config reload builds a new Directory that shares the
// SessionStore. MemorySessions is safe for concurrent use (one mutex). The
// STS handler is an http.Handler safe for concurrent requests.
//
// Secrets never appear in logs or errors. The package reads no clock of its
// own (now is injected) and uses crypto/rand only through an injected
// io.Reader.
package iam
