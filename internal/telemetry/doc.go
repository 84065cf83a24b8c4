// Package telemetry owns what gatehouse reports about requests: the slog
// handler set-up, access-log records and their writers, and Prometheus
// metrics. Writers serialise their own output and are safe for concurrent
// use; a Metrics value is registered once per process and shared across
// reloads.
package telemetry
