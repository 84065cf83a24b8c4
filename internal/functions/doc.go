// Package functions is gatehouse's local Lambda runtime and the only code in
// gatehouse that starts processes.
//
// A Runner owns one pool of instances per configured function. Each instance
// is an operating-system process (a Node.js or Python interpreter running an
// embedded bootstrap, or a `provided` executable) in its own process group,
// with its own Lambda Runtime API (2018-06-01) server on a loopback listener;
// the process finds it through AWS_LAMBDA_RUNTIME_API. Invoke hands an event
// to an idle instance (starting one when none is idle and the function's
// MaxConcurrency allows), waits for the runtime to post the response or error,
// and enforces the function timeout by killing the instance's process group.
//
// Concurrency: Runner is safe for concurrent use. Each function's pool is
// guarded by its own mutex; at most MaxConcurrency invocations of a function
// run at once (a buffered channel of slots), further ones queue (bounded by
// Options.MaxQueue and Options.QueueTimeout) and then fail with ErrThrottled.
// An instance serves one invocation at a time. Every goroutine the package
// starts is owned by an instance or the Runner and ends by Shutdown.
package functions
