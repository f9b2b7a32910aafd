package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSleep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if err := Sleep(ctx, 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
	t0 := time.Now()
	if err := Sleep(ctx, 20*time.Millisecond); err != nil {
		t.Errorf("Sleep(20ms) = %v", err)
	}
	if el := time.Since(t0); el < 20*time.Millisecond {
		t.Errorf("Sleep(20ms) returned after %v", el)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := Sleep(cctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) on a cancelled context = %v", err)
	}
	t0 = time.Now()
	if err := Sleep(cctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(1h) on a cancelled context = %v", err)
	}
	if el := time.Since(t0); el > time.Minute {
		t.Errorf("Sleep on a cancelled context took %v", el)
	}
}
