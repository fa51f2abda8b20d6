package mae

import "time"

// measureOverlap runs 2·res.Steps more steps (numbered from first) through
// step, alternately serial (the whole backward before the first
// allreduce) and overlapped, then flush, and fills in res's exchange times
// and the share of the allreduce that the overlap hides. step returns the
// results of an earlier step, or Step < 0 (as Stepper.Submit). Alternating
// spreads a changing load on the machine over both kinds alike.
func measureOverlap(res *TrainBench, step func(k int, serial bool) (StepInfo, error), flush func() ([]StepInfo, error), first int) error {
	var sums [2]struct {
		exchange, allreduce time.Duration
		n                   int
	}
	// Step first+k+1 is the k-th: serial when k is even.
	add := func(done StepInfo) {
		if done.Step < 0 {
			return
		}
		i := 0
		if (done.Step-int64(first)-1)%2 == 0 {
			i = 1
		}
		sums[i].exchange += done.Exchange
		sums[i].allreduce += done.Allreduce
		sums[i].n++
	}
	for k := 0; k < 2*res.Steps; k++ {
		done, err := step(first+k, k%2 == 0)
		if err != nil {
			return err
		}
		add(done)
	}
	rest, err := flush()
	if err != nil {
		return err
	}
	for _, d := range rest {
		add(d)
	}
	ms := func(d time.Duration, n int) float64 { return float64(d) / 1e6 / float64(max(n, 1)) }
	o, s := sums[0], sums[1]
	res.ExchangeOverlapMs = ms(o.exchange, o.n)
	res.ExchangeSerialMs = ms(s.exchange, s.n)
	res.AllreduceSerialMs = ms(s.allreduce, s.n)
	if res.AllreduceSerialMs > 0 {
		res.AllreduceHiddenPct = 100 * (res.ExchangeSerialMs - res.ExchangeOverlapMs) / res.AllreduceSerialMs
	}
	return nil
}
