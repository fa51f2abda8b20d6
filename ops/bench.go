package ops

import (
	"fmt"
	"sort"
	"time"

	"github.com/mae-vk/mae-vk/internal/rng"
	"github.com/mae-vk/mae-vk/vk"
)

// BenchResult is one kernel benchmark: the median time of a dispatch (or
// of a group of dispatches that make one op) over repeated runs.
type BenchResult struct {
	Op       string  `json:"op"`
	Shape    string  `json:"shape"`
	Device   string  `json:"device"`
	Variant  string  `json:"variant"`
	FLOPs    float64 `json:"flops"`
	MedianMs float64 `json:"median_ms"`
	MinMs    float64 `json:"min_ms"`
	GFLOPS   float64 `json:"gflops"`
	Runs     int     `json:"runs"`
}

// benchRecording times rec: one warm-up run, then runs more while the
// total stays under budget (at least minRuns). Each run's time is the sum
// of its dispatches' timestamps when the device is profiling, else wall
// time; perRun is how many op instances one run holds.
func benchRecording(d *vk.Device, rec *vk.Recording, perRun, minRuns int, budget time.Duration) (median, best time.Duration, runs int, err error) {
	if err := rec.Run(); err != nil {
		return 0, 0, 0, err
	}
	var times []time.Duration
	start := time.Now()
	for len(times) < minRuns || (time.Since(start) < budget && len(times) < 1000) {
		t0 := time.Now()
		if err := rec.Run(); err != nil {
			return 0, 0, 0, err
		}
		elapsed := time.Since(t0)
		if d.Profiling() {
			ts, err := rec.Timings()
			if err != nil {
				return 0, 0, 0, err
			}
			elapsed = 0
			for _, t := range ts {
				elapsed += t.Duration
			}
		}
		times = append(times, elapsed/time.Duration(perRun))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return times[len(times)/2], times[0], len(times), nil
}

// benchBuffers are the random input buffers of one benchmark, released
// together.
type benchBuffers struct {
	d    *vk.Device
	bufs []*vk.Buffer
}

// make returns a new device buffer of n random float32s.
func (bb *benchBuffers) make(name string, n int) (*vk.Buffer, error) {
	b, err := randomBuffer(bb.d, name, n, uint64(len(bb.bufs)+1))
	if err == nil {
		bb.bufs = append(bb.bufs, b)
	}
	return b, err
}

func (bb *benchBuffers) release() {
	for _, b := range bb.bufs {
		b.Release()
	}
}

// randomBuffer makes a device buffer of n float32s in [-1, 1).
func randomBuffer(d *vk.Device, name string, n int, seed uint64) (*vk.Buffer, error) {
	b, err := d.NewBuffer(name, 4*max(n, 1))
	if err != nil {
		return nil, err
	}
	v := make([]float32, max(n, 1))
	r := rng.New(seed)
	for i := range v {
		v[i] = float32(r.Uniform(-1, 1))
	}
	if err := b.WriteFloat32(0, v); err != nil {
		b.Release()
		return nil, err
	}
	return b, nil
}

// timeRepeated records record into rec enough times per run (by res.FLOPs)
// that submission overhead does not count, times rec within budget and
// fills res with the time of one record.
func (o *Ops) timeRepeated(rec *vk.Recording, res *BenchResult, budget time.Duration, record func(*vk.Recording) error) error {
	perRun := max(1, min(16, int(2e8/max(res.FLOPs, 1))))
	for range perRun {
		if err := record(rec); err != nil {
			return err
		}
	}
	median, best, runs, err := benchRecording(o.d, rec, perRun, 3, budget)
	if err != nil {
		return err
	}
	fillResult(res, median, best, runs)
	return nil
}

func fillResult(r *BenchResult, median, best time.Duration, runs int) {
	r.MedianMs = float64(median) / 1e6
	r.MinMs = float64(best) / 1e6
	r.Runs = runs
	if median > 0 {
		r.GFLOPS = r.FLOPs / median.Seconds() / 1e9
	}
}

func (r BenchResult) String() string {
	return fmt.Sprintf("%-10s %-28s %8.3f ms  %8.2f GFLOP/s  (%s; %d runs)", r.Op, r.Shape, r.MedianMs, r.GFLOPS, r.Variant, r.Runs)
}
