package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"time"
)

// Reload loads the configuration again and, when it is valid, swaps it in
// atomically. An invalid configuration is rejected and the current one keeps
// serving. The replaced generation is closed once its requests finish.
func (a *App) Reload(ctx context.Context) error {
	a.reload.Lock()
	defer a.reload.Unlock()
	old := a.cur.Load()
	gen, err := a.build(ctx)
	if err != nil {
		a.metrics.Reloads.WithLabelValues("error").Inc()
		a.log.Error("configuration reload rejected; the previous configuration keeps serving", "file", a.opts.ConfigPath, "error", err.Error())
		return err
	}
	a.cur.Store(gen)
	a.metrics.Reloads.WithLabelValues("ok").Inc()
	a.log.Info("configuration reloaded", "file", a.opts.ConfigPath, "apis", len(gen.cfg.APIs))
	go old.retire(a.opts.DrainTimeout)
	return nil
}

// watch polls the config file and reloads when its content changes.
func (a *App) watch(ctx context.Context, last []byte) {
	defer close(a.watchDone)
	t := time.NewTicker(a.opts.WatchInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		sum := fileSum(a.opts.ConfigPath)
		if sum == nil || bytes.Equal(sum, last) {
			continue
		}
		last = sum
		_ = a.Reload(ctx)
	}
}

func fileSum(path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	s := sha256.Sum256(b)
	return s[:]
}
