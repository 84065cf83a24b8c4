// Package app is gatehouse's only wiring point: it loads a configuration,
// builds every component from it (routes, integrations, authorizers, gateway
// responses, access logs, metrics), runs the listeners, and swaps whole
// configuration generations atomically on reload. Nothing imports app.
package app
