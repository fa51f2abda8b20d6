package mae

import (
	"sort"
	"time"

	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// TrainBench is the result of BenchTrain.
type TrainBench struct {
	Preset          string      `json:"preset"`
	Device          string      `json:"device"`
	Batch           int         `json:"batch"`
	Steps           int         `json:"steps"`
	ImagesPerSecond float64     `json:"images_per_second"`
	MedianStepMs    float64     `json:"median_step_ms"`
	HostMsPerStep   float64     `json:"host_ms_per_step"`
	PeakDeviceBytes uint64      `json:"peak_device_bytes"`
	DeviceBytes     uint64      `json:"device_bytes"`         // held by the model, stepper and inputs
	PlannedBytes    uint64      `json:"planned_device_bytes"` // PlanMemory's total, computed first
	Dispatches      int         `json:"dispatches_per_step"`
	GemmConfig      string      `json:"gemm_config"`
	Precision       string      `json:"precision"`
	Ops             []OpProfile `json:"ops,omitempty"`

	// CoopMat is the cooperative-matrix plan that ran the 16-bit products
	// (fp16 or bf16, the run's precision), when one did (ops.EnableCoopMat);
	// CoopMatGemms and CoopMatAttentions count what one step runs on the
	// family (GEMMs; attention passes, forward and backward).
	CoopMat           string `json:"coopmat,omitempty"`
	CoopMatGemms      int    `json:"coopmat_gemms_per_step,omitempty"`
	CoopMatAttentions int    `json:"coopmat_attentions_per_step,omitempty"`

	// Data-parallel runs only (BenchTrainGroup).
	Ranks              int       `json:"ranks,omitempty"`
	RankImagesPerSec   []float64 `json:"rank_images_per_second,omitempty"`
	GlobalImagesPerSec float64   `json:"global_images_per_second,omitempty"`
	AllreduceBytes     int       `json:"allreduce_bytes,omitempty"`       // per step and rank
	AllreduceMsPerStep float64   `json:"allreduce_ms_per_step,omitempty"` // host time in MPI_Allreduce
	AllreduceGBps      float64   `json:"allreduce_gb_per_s,omitempty"`    // bytes / allreduce time
	AllreduceBuckets   int       `json:"allreduce_buckets,omitempty"`     // allreduces per step
	// ExchangeSerialMs and ExchangeOverlapMs are the host's mean time from
	// queueing the backward to queueing the update (the backward, then
	// the allreduces), measured in extra steps that alternate between
	// waiting for the whole backward before the first allreduce (serial)
	// and the real step (each bucket's allreduce as soon as its segment has
	// run); AllreduceSerialMs is the allreduce time of the serial steps.
	ExchangeSerialMs  float64 `json:"exchange_serial_ms,omitempty"`
	ExchangeOverlapMs float64 `json:"exchange_overlap_ms,omitempty"`
	AllreduceSerialMs float64 `json:"allreduce_serial_ms,omitempty"`
	// AllreduceHiddenPct is the share of the allreduce time that the
	// overlap hides behind the backward pass:
	// (ExchangeSerialMs − ExchangeOverlapMs) / AllreduceSerialMs.
	AllreduceHiddenPct float64 `json:"allreduce_hidden_percent"`
}

// OpProfile is the device time of one kernel over a step.
type OpProfile struct {
	Kernel  string  `json:"kernel"`
	Calls   int     `json:"calls"`
	Ms      float64 `json:"ms"`
	Percent float64 `json:"percent"`
}

// BenchTrain measures training throughput of cfg at batch size n on the
// device of o: warm-up steps, then steps timed end to end (forward,
// backward, update, with the host filling the next batch meanwhile), on
// random images and masks. When the device profiles (vk.Options.Profile),
// the device time of every kernel in one step is reported too.
func BenchTrain(o *ops.Ops, cfg Config, preset string, n, steps int, prec ops.Precision) (*TrainBench, error) {
	return BenchTrainGroup(o, cfg, preset, n, steps, prec, nil)
}

// BenchTrainGroup is BenchTrain for one process of a data-parallel group
// (nil: one process): every step averages the gradient over g, and the
// result holds every rank's images/s, the global images/s and the
// allreduce's time and bandwidth. All processes of g must call it alike.
func BenchTrainGroup(o *ops.Ops, cfg Config, preset string, n, steps int, prec ops.Precision, g Group) (*TrainBench, error) {
	if steps < 1 {
		return nil, configErrorf("Steps", steps, "need at least 1")
	}
	d := o.Device()
	plan, err := PlanRun(d, cfg, n, 1, StorageBytesFor(o, prec))
	if err != nil {
		return nil, err
	}
	before := d.MemoryStats().InUse
	m, err := NewModelPrecision(o, cfg, n, prec)
	if err != nil {
		return nil, err
	}
	defer m.Release()
	p, err := Init(cfg, 1)
	if err != nil {
		return nil, err
	}
	if err := m.SetParams(p); err != nil {
		return nil, err
	}
	gemms0, fwd0, bwd0 := coopMatCounts(o)
	st, err := NewGroupStepper(m, ops.AdamWConfig{Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.05}, 1, g)
	if err != nil {
		return nil, err
	}
	defer st.Release()
	gemms1, fwd1, bwd1 := coopMatCounts(o)
	held := d.MemoryStats().InUse - before
	rng := NewRNG(2 + uint64(groupRank(g)))
	images := randomBatch(cfg, n, rng)
	var host, comm time.Duration
	var ends []time.Time
	step := func(k int) error {
		mk := RandomMasking(cfg, n, rng)
		done, err := st.Submit([][]float32{images}, []Masking{mk}, StepInfo{Step: int64(k + 1), LR: 1e-4}, 0.9, 0.95, 0)
		if done.Step >= 0 {
			ends = append(ends, time.Now())
		}
		host += done.HostTime
		comm += done.Allreduce
		return err
	}
	const warm = 2
	for k := 0; k < warm; k++ {
		if err := step(k); err != nil {
			return nil, err
		}
	}
	if _, err := st.Flush(); err != nil {
		return nil, err
	}
	ends, host, comm = nil, 0, 0
	start := time.Now()
	ends = append(ends, start)
	for k := warm; k < warm+steps; k++ {
		if err := step(k); err != nil {
			return nil, err
		}
	}
	rest, err := st.Flush()
	if err != nil {
		return nil, err
	}
	for range rest {
		ends = append(ends, time.Now())
	}
	for _, r := range rest {
		host += r.HostTime
		comm += r.Allreduce
	}
	total := time.Since(start)
	res := &TrainBench{
		Preset: preset, Device: d.Info.Name, Batch: n, Steps: steps,
		ImagesPerSecond: float64(n*steps) / total.Seconds(),
		MedianStepMs:    medianGapMs(ends),
		HostMsPerStep:   float64(host) / 1e6 / float64(steps),
		PeakDeviceBytes: d.MemoryStats().Peak,
		DeviceBytes:     held,
		PlannedBytes:    plan.Total,
		Dispatches:      st.Dispatches(),
		GemmConfig:      o.GemmConfig().String(),
		Precision:       prec.String(),
	}
	if p, on := o.CoopMatInUseFor(prec); on && o.CoopMatGemms() > 0 {
		res.CoopMat = p.String()
	}
	// The stepper records the step once per slot.
	slots := len(st.run.slots)
	res.CoopMatGemms = (gemms1 - gemms0) / slots
	res.CoopMatAttentions = (fwd1 - fwd0 + bwd1 - bwd0) / slots
	res.Ops, err = profileStep(st.Recording())
	if err != nil || g == nil {
		return res, err
	}
	if err := groupBench(res, g, m.Layout.TrainableLen, comm); err != nil {
		return nil, err
	}
	res.AllreduceBuckets = len(st.split.halves[0].buckets)
	return res, measureOverlap(res, func(k int, serial bool) (StepInfo, error) {
		st.split.serial = serial
		done, err := st.Submit([][]float32{images}, []Masking{RandomMasking(cfg, n, rng)}, StepInfo{Step: int64(k + 1), LR: 1e-4}, 0.9, 0.95, 0)
		st.split.serial = false
		return done, err
	}, st.Flush, warm+steps)
}

// groupBench fills in the data-parallel fields of res: every rank's
// images/s (summed into place over g), the global rate and the allreduce
// figures of this rank.
func groupBench(res *TrainBench, g Group, trainable int, comm time.Duration) error {
	res.Ranks = g.Size()
	res.RankImagesPerSec = make([]float64, g.Size())
	res.RankImagesPerSec[g.Rank()] = res.ImagesPerSecond
	if err := g.SumFloat64("bench images/s", res.RankImagesPerSec); err != nil {
		return err
	}
	// Ranks run in lock step: the slowest sets the pace of all.
	slowest := res.RankImagesPerSec[0]
	for _, v := range res.RankImagesPerSec {
		slowest = min(slowest, v)
	}
	res.GlobalImagesPerSec = slowest * float64(g.Size())
	res.AllreduceBytes = 4 * (trainable + 1)
	res.AllreduceMsPerStep = float64(comm) / 1e6 / float64(res.Steps)
	if comm > 0 {
		res.AllreduceGBps = float64(res.AllreduceBytes) * float64(res.Steps) / comm.Seconds() / 1e9
	}
	return nil
}

func randomBatch(cfg Config, n int, rng *RNG) []float32 {
	v := make([]float32, n*cfg.Channels*cfg.ImageSize*cfg.ImageSize)
	for i := range v {
		v[i] = float32(rng.Normal())
	}
	return v
}

// medianGapMs is the median time between consecutive instants.
func medianGapMs(ts []time.Time) float64 {
	if len(ts) < 2 {
		return 0
	}
	gaps := make([]float64, len(ts)-1)
	for i := range gaps {
		gaps[i] = float64(ts[i+1].Sub(ts[i])) / 1e6
	}
	sort.Float64s(gaps)
	return gaps[len(gaps)/2]
}

// profileStep sums the timestamps of rec's last run by kernel, largest
// first.
func profileStep(rec *vk.Recording) ([]OpProfile, error) {
	times, err := rec.Timings()
	if err != nil || len(times) == 0 {
		return nil, err
	}
	by := map[string]*OpProfile{}
	var total time.Duration
	for _, t := range times {
		p := by[t.Kernel]
		if p == nil {
			p = &OpProfile{Kernel: t.Kernel}
			by[t.Kernel] = p
		}
		p.Calls++
		p.Ms += float64(t.Duration) / 1e6
		total += t.Duration
	}
	out := make([]OpProfile, 0, len(by))
	for _, p := range by {
		p.Percent = 100 * p.Ms / (float64(total) / 1e6)
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ms > out[j].Ms })
	return out, nil
}

// coopMatCounts are the GEMMs and the attention passes (forward,
// backward) o has recorded on the cooperative-matrix family so far.
func coopMatCounts(o *ops.Ops) (gemms, forward, backward int) {
	forward, backward = o.CoopMatAttentions()
	return o.CoopMatGemms(), forward, backward
}
