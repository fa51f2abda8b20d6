//go:build maevk_testhooks

package mae

import (
	"fmt"
	"os"
)

// DivergeEnv names the test hook of builds with the maevk_testhooks tag:
// "R:S" makes process R of a group change one of its parameters after
// step S, so that tests can check that the ranks' checksums catch it.
const DivergeEnv = "MAEVK_TEST_DIVERGE"

// plantDivergence is the hook of DivergeEnv, called after every step.
func (t *trainer) plantDivergence() error {
	var rank int
	var step int64
	if v := os.Getenv(DivergeEnv); v == "" || t.group == nil {
		return nil
	} else if _, err := fmt.Sscanf(v, "%d:%d", &rank, &step); err != nil {
		return fmt.Errorf("mae: %s=%q: want RANK:STEP", DivergeEnv, v)
	}
	if rank != t.group.Rank() || step != t.step {
		return nil
	}
	if err := t.flush(); err != nil {
		return err
	}
	p, err := t.model.Params()
	if err != nil {
		return err
	}
	p.Data[0] += 1e-3
	t.warn(fmt.Sprintf("%s: changed a parameter of rank %d after step %d", DivergeEnv, rank, step))
	return t.model.SetParams(p)
}
