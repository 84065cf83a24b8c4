package memory_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/memory"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func newStore(*testing.T) store.Store { return memory.New() }

func TestConformance(t *testing.T) { storetest.Run(t, newStore) }

func TestConcurrency(t *testing.T) { storetest.RunConcurrency(t, newStore) }
