package federation

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/seqfs/seqfs/repo"
)

// CheckHealth checks every member at once (repo.CheckHealth) and returns
// nil when all can answer, else an error naming each member that cannot.
// It matches repo.ErrUnavailable when any member is unreachable.
func (f *Federation) CheckHealth(ctx context.Context) error {
	errs := make([]error, len(f.members))
	var wg sync.WaitGroup
	for i, m := range f.members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := repo.CheckHealth(ctx, m.Source); err != nil {
				errs[i] = fmt.Errorf("source %s: %w", m.Name, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
