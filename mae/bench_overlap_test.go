package mae

import (
	"math"
	"testing"
	"time"
)

// TestMeasureOverlap feeds measureOverlap a fake two-slot pipeline whose
// serial steps take 100 ms (40 ms of it allreduce) and overlapped ones
// 70 ms: 30 of the 40 ms, 75%, are hidden. Each result comes back two
// submissions late, or from the flush, as from a Stepper, so a result
// counted as the wrong kind changes the numbers.
func TestMeasureOverlap(t *testing.T) {
	const first = 5
	var pending []StepInfo
	step := func(k int, serial bool) (StepInfo, error) {
		info := StepInfo{Step: int64(k + 1), Exchange: 70 * time.Millisecond, Allreduce: 10 * time.Millisecond}
		if serial {
			info.Exchange, info.Allreduce = 100*time.Millisecond, 40*time.Millisecond
		}
		pending = append(pending, info)
		if len(pending) < 3 {
			return StepInfo{Step: -1}, nil
		}
		done := pending[0]
		pending = pending[1:]
		return done, nil
	}
	flush := func() ([]StepInfo, error) {
		rest := pending
		pending = nil
		return rest, nil
	}
	res := &TrainBench{Steps: 3}
	if err := measureOverlap(res, step, flush, first); err != nil {
		t.Fatal(err)
	}
	if res.ExchangeSerialMs != 100 || res.ExchangeOverlapMs != 70 || res.AllreduceSerialMs != 40 ||
		math.Abs(res.AllreduceHiddenPct-75) > 1e-9 {
		t.Errorf("serial %v ms (allreduce %v), overlapped %v ms, hidden %v%%; want 100 (40), 70, 75%%",
			res.ExchangeSerialMs, res.AllreduceSerialMs, res.ExchangeOverlapMs, res.AllreduceHiddenPct)
	}
}
