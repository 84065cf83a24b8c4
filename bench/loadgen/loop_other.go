//go:build !linux

package main

import (
	"context"
	"errors"
)

// run needs epoll (loop_linux.go); the benchmark harness runs on Linux.
func run(context.Context, config) (result, error) {
	return result{}, errors.New("loadgen runs on Linux only (epoll)")
}
