package repo

import (
	"context"
	"errors"
	"fmt"
)

// HealthChecker is implemented by sources that can tell whether all of
// their parts can be reached right now; a federation checks every member,
// and a layer asks the source it wraps.
type HealthChecker interface {
	// CheckHealth returns nil when the source can answer, else an error
	// saying which part cannot.
	CheckHealth(ctx context.Context) error
}

// healthProbeID is a well-formed seq_id that no store holds, looked up to
// check that a source answers at all.
const healthProbeID = "seqfsHealthProbe0000000000000000"

// CheckHealth reports whether src can answer questions: with its own
// CheckHealth when it has one, else by looking up the sequence info of a
// seq_id no store holds, which a working source answers with "not found".
func CheckHealth(ctx context.Context, src Source) error {
	if hc, ok := src.(HealthChecker); ok {
		return hc.CheckHealth(ctx)
	}
	if _, err := src.Info(ctx, healthProbeID); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("health probe: %w", err)
	}
	return nil
}
