package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
)

// InvokeCommand implements `gatehouse invoke FUNCTION [--event FILE|-]`: it
// starts the one function named name from cfg (code directories resolved
// against baseDir, the config file's directory), invokes it once with the
// JSON event read from event (an empty input means `{}`), writes the result
// to stdout and the function's logs with START/END/REPORT lines to stderr,
// and stops the instance.
//
// When the function fails, its error document (as Lambda returns it) is
// written to stdout and the *FunctionError is returned, so the caller can
// exit non-zero. Other errors (unknown function, invalid event, interpreter
// missing) are returned without output.
func InvokeCommand(ctx context.Context, cfg *config.Config, baseDir, name string, event io.Reader, stdout, stderr io.Writer) error {
	fc := cfg.FunctionByName(name)
	if fc == nil {
		names := make([]string, 0, len(cfg.Functions))
		for _, f := range cfg.Functions {
			names = append(names, f.Name)
		}
		if len(names) == 0 {
			return fmt.Errorf("invoke %s: %w (the config defines no functions)", name, ErrUnknownFunction)
		}
		return fmt.Errorf("invoke %s: %w (defined: %s)", name, ErrUnknownFunction, strings.Join(names, ", "))
	}
	payload, err := io.ReadAll(io.LimitReader(event, MaxPayloadSize+1))
	if err != nil {
		return fmt.Errorf("read event: %w", err)
	}
	if len(payload) > MaxPayloadSize {
		return fmt.Errorf("invoke %s: %w", name, ErrRequestTooLarge)
	}
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		return fmt.Errorf("invoke %s: the event is not valid JSON", name)
	}
	r, err := New(ctx, Options{
		Functions: []config.Function{*fc},
		BaseDir:   baseDir,
		Region:    cfg.Settings.Region,
		AccountID: cfg.Settings.AccountID,
		Logger:    slog.New(slog.DiscardHandler),
		LogWriter: stderr,
	})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", name, err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = r.Shutdown(sctx)
	}()
	res, fe, err := r.Invoke(ctx, name, payload)
	if err != nil {
		return err
	}
	if fe != nil {
		if _, err := fmt.Fprintf(stdout, "%s\n", fe.Payload); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		return fe
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", res); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// IsFunctionError reports whether err is (or wraps) a *FunctionError.
func IsFunctionError(err error) bool {
	var fe *FunctionError
	return errors.As(err, &fe)
}
