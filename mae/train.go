package mae

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/ops"
)

// MaxSkippedInARow is how many steps in a row with a non-finite gradient
// stop a run. Under fp16 loss scaling a skip counts only once the scale is
// down to LossScaleFloor (or the loss itself is not finite): above it a
// skip is the scaler halving its way down from DefaultInitScale, which
// takes 16 halvings to reach 1 (countsAsDivergence).
const MaxSkippedInARow = 5

// ErrInterrupted is wrapped by Train's error when its context was
// cancelled (Ctrl-C, SIGTERM, SIGHUP); the Save hooks ran first.
var ErrInterrupted = errors.New("training interrupted")

// ErrDiverged is wrapped by Train's error when MaxSkippedInARow steps in a
// row had a non-finite gradient.
var ErrDiverged = errors.New("training diverged")

// Train runs MAE pre-training as cfg says on the device of o, with o's
// GEMM configuration, calling hooks (see Hook) along the way. With
// cfg.Resume set it continues from that checkpoint (see ResumeFrom).
func Train(ctx context.Context, o *ops.Ops, cfg TrainConfig, hooks ...Hook) (*Result, error) {
	return TrainGroup(ctx, o, cfg, nil, hooks...)
}

// TrainGroup is Train as one process of the data-parallel group g (nil:
// one process). Each process trains on its shard of every global batch of
// g.Size()·cfg.Batch images, and the gradient is averaged over g before
// every update, so the run is the run of one process with the global
// batch. Every process of g calls it with the same cfg (checked at
// start-up); hooks that write files belong to rank 0 only (cmd/mae-vk
// gives RunDirHooks to rank 0). cfg.World must be 0 or g's size (see
// AdoptGroupSize for resuming with another size).
func TrainGroup(ctx context.Context, o *ops.Ops, cfg TrainConfig, g Group, hooks ...Hook) (*Result, error) {
	t, err := newTrainer(ctx, o, cfg, hooks, g)
	if err != nil {
		return nil, err
	}
	defer t.close()
	return t.run(ctx)
}

// trainer is one run's state.
type trainer struct {
	cfg     TrainConfig
	hooks   []Hook
	o       *ops.Ops
	group   Group // nil: one process
	ld      *loader.Loader
	model   *Model
	stepper *Stepper
	sched   Schedule
	spe     int
	total   int64
	state   State

	step        int64 // steps completed or submitted
	epoch       int
	stepInEpoch int
	lastLoss    float64
	epochLoss   float64
	epochSteps  int
	epochSkips  int
	skipped     int64
	inARow      int
	lastReport  time.Time
	lastSave    time.Time
	saveDue     bool      // group: a rank's save interval passed (agreed each step)
	recon       []float32 // a fixed batch for the reconstruction grids
	reconIn     *Inputs
}

func newTrainer(ctx context.Context, o *ops.Ops, cfg TrainConfig, hooks []Hook, g Group) (*trainer, error) {
	t := &trainer{cfg: cfg, hooks: hooks, o: o, group: g}
	t.state.t = t // warnings during set-up reach the hooks
	if cfg.World > 1 && cfg.World != groupSize(g) {
		return nil, configErrorf("World", cfg.World, "the config is for %d processes, this run has %d: keep the global batch with AdoptGroupSize", cfg.World, groupSize(g))
	}
	t.cfg.World = groupSize(g)
	var ck *Checkpoint
	if cfg.Resume != "" {
		var err error
		if ck, err = LoadCheckpoint(checkpointRoot(cfg.Resume)); err != nil {
			return nil, &ConfigError{Field: "Resume", Value: cfg.Resume, Err: err}
		}
		if ck.Params.Config != cfg.Model {
			return nil, &ConfigError{Field: "Model", Value: cfg.Preset, Reason: fmt.Sprintf("the checkpoint in %s holds another model (%+v); resume with the run's own config (ResumeConfig)", ck.Dir, ck.Params.Config)}
		}
		t.step, t.epoch, t.stepInEpoch = ck.State.Step, ck.State.Epoch, ck.State.StepInEpoch
	}
	if err := t.cfg.Validate(); err != nil {
		return nil, err
	}
	if err := t.setup(ctx, ck); err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

// ResumeConfig is the training config saved in ck, the one a resumed run
// continues with.
func ResumeConfig(ck *Checkpoint) (TrainConfig, error) {
	var saved TrainConfig
	if err := json.Unmarshal(ck.State.Config, &saved); err != nil {
		return saved, fmt.Errorf("mae: %s: state.json has no usable training config: %w", ck.Dir, err)
	}
	return saved, nil
}

func (t *trainer) setup(ctx context.Context, ck *Checkpoint) error {
	cfg := &t.cfg
	warn := t.warn
	// Refuse a run that cannot fit before the loader's batch buffers or
	// any device memory are allocated.
	prec, err := t.precision()
	if err != nil {
		return err
	}
	mem, err := PlanRun(t.o.Device(), cfg.Model, cfg.Batch, cfg.Accum, StorageBytesFor(t.o, prec))
	if err != nil {
		return err
	}
	src, err := loader.Open(cfg.Data, cfg.Split, loader.Options{Warn: warn})
	if err != nil {
		return &ConfigError{Field: "Data", Value: cfg.Data, Err: err}
	}
	if err := t.agreeStart(src); err != nil {
		return err
	}
	aug, _ := loader.ParseAugment(cfg.Augment)
	t.ld, err = loader.NewLoader(ctx, src, loader.Config{
		BatchSize: cfg.Batch, Size: cfg.Model.ImageSize, Channels: cfg.Model.Channels,
		Augment: aug, Shuffle: true, Seed: cfg.Seed, Workers: cfg.Workers, Buffers: max(3, cfg.Accum+2),
		StartEpoch: t.epoch, StartStep: t.stepInEpoch, Epochs: cfg.Epochs, Warn: warn,
		Shard: groupRank(t.group), Shards: groupSize(t.group),
	})
	if err != nil {
		return &ConfigError{Field: "Data", Value: cfg.Data, Err: err}
	}
	// spe counts data batches; a step takes Accum of them, and the
	// batches of an epoch that do not fill a step are skipped.
	t.spe = t.ld.StepsPerEpoch()
	if t.spe < cfg.Accum {
		return configErrorf("Accum", cfg.Accum, "an epoch has only %d batches of %d", t.spe, cfg.Batch)
	}
	t.total = int64(cfg.Epochs) * int64(t.spe/cfg.Accum)
	if cfg.Steps > 0 && cfg.Steps < t.total {
		t.total = cfg.Steps
	}
	t.sched = Schedule{Base: cfg.BaseLR(), Min: cfg.MinLR, Warmup: cfg.WarmupEpochs, Epochs: float64(cfg.Epochs)}

	if t.model, err = NewModelPrecision(t.o, cfg.Model, cfg.Batch, prec); err != nil {
		return err
	}
	params := (*Params)(nil)
	if ck != nil {
		params = ck.Params
	} else if params, err = Init(cfg.Model, cfg.Seed); err != nil {
		return err
	}
	if err := t.model.SetParams(params); err != nil {
		return err
	}
	if ck != nil && ck.ExpAvg != nil {
		if err := t.model.SetMoments(ck.ExpAvg, ck.ExpAvgSq); err != nil {
			return err
		}
		if err := t.model.SetAdamStep(AdamStepOf(ck.State)); err != nil {
			return err
		}
	}
	if err := t.checkParams("at start-up"); err != nil {
		return err
	}
	t.stepper, err = NewGroupStepper(t.model, ops.AdamWConfig{
		Beta1: float32(cfg.Beta1), Beta2: float32(cfg.Beta2), Eps: float32(cfg.Eps), WeightDecay: float32(cfg.WeightDecay),
	}, cfg.Accum, t.group)
	trainable, _ := t.model.Layout.Count()
	t.state = State{
		Config: t.cfg, Stats: t.ld.Stats(), Ops: t.o, t: t,
		Plan: Plan{Device: t.o.Device().Info.Name, StepsPerEpoch: t.spe, TotalSteps: t.total, FirstStep: t.step, Params: trainable, Memory: mem},
	}
	return err
}

func (t *trainer) close() {
	for _, h := range t.hooks {
		if h.Close != nil {
			h.Close()
		}
	}
	if t.reconIn != nil {
		t.reconIn.Release()
	}
	if t.stepper != nil {
		t.stepper.Release()
	}
	if t.model != nil {
		t.model.Release()
	}
	if t.ld != nil {
		t.ld.Close()
	}
}

// warn passes data warnings to the Warn hook of the config, else stderr.
func (t *trainer) warn(msg string) { t.state.Warn(msg) }

func (t *trainer) run(ctx context.Context) (*Result, error) {
	t.sync()
	if err := t.call("start", func(h Hook) error {
		if h.Start == nil {
			return nil
		}
		return h.Start(&t.state)
	}); err != nil {
		return nil, err
	}
	t.lastReport, t.lastSave = time.Now(), time.Now()
	k := t.cfg.Accum
	images, masks := make([][]float32, k), make([]Masking, k)
	batches := make([]*loader.Batch, k)
	maskers := make([]*Masker, k)
	for j := range maskers {
		maskers[j] = NewMasker(t.cfg.Model, t.cfg.Batch)
	}
	for t.step < t.total {
		if stop, err := t.stopRequested(ctx); err != nil {
			return nil, err
		} else if stop {
			return t.interrupt()
		}
		// The schedule is set at the first micro-batch of a step, from
		// the fractional epoch, as the reference does.
		e := float64(t.epoch) + float64(t.stepInEpoch)/float64(t.spe)
		info := StepInfo{Step: t.step + 1, LR: t.sched.At(e)}
		for j := 0; j < k; j++ {
			batch, err := t.ld.Next()
			if err == io.EOF {
				releaseBatches(batches[:j])
				return t.finish()
			}
			if err != nil {
				releaseBatches(batches[:j])
				if ctx.Err() != nil {
					return t.interrupt()
				}
				return nil, err
			}
			if t.recon == nil {
				t.recon = append([]float32(nil), batch.Images...)
			}
			batches[j], images[j] = batch, batch.Images
			// Each sample's mask comes from (seed, micro-batch, its index
			// in the global batch): a group masks as one process does.
			masks[j] = maskers[j].DrawSamples(t.cfg.Seed, int64(t.step)*int64(k)+int64(j), groupRank(t.group)*t.cfg.Batch)
		}
		done, err := t.stepper.Submit(images, masks, info, t.cfg.Beta1, t.cfg.Beta2, t.cfg.ClipGrad)
		releaseBatches(batches)
		if err != nil {
			return nil, err
		}
		t.step++
		t.stepInEpoch += k
		if err := t.report(done); err != nil {
			return nil, err
		}
		if t.stepInEpoch+k > t.spe {
			if err := t.skipEpochTail(); err != nil {
				return nil, err
			}
			if err := t.endEpoch(); err != nil {
				return nil, err
			}
		}
		if err := t.periodic(); err != nil {
			return nil, err
		}
		if err := t.periodicCheck(); err != nil {
			return nil, err
		}
	}
	return t.finish()
}

// periodic runs the Tick hooks due at this step and saves when the save
// cadence says so.
func (t *trainer) periodic() error {
	due := false
	for _, h := range t.hooks {
		due = due || h.Tick != nil && h.Every > 0 && t.step%h.Every == 0
	}
	save := t.stepInEpoch > 0 && // not just saved at the epoch's end
		(t.cfg.SaveEvery > 0 && t.step%t.cfg.SaveEvery == 0 ||
			t.saveIntervalPassed())
	if !due && !save {
		return nil
	}
	if err := t.flush(); err != nil {
		return err
	}
	if save {
		if err := t.save(SavePeriodic); err != nil {
			return err
		}
	}
	return t.call("tick", func(h Hook) error {
		if h.Tick == nil || h.Every <= 0 || t.step%h.Every != 0 {
			return nil
		}
		return h.Tick(&t.state)
	})
}

// call runs f on every hook in order, wrapping the first error with the
// hook's name and what.
func (t *trainer) call(what string, f func(Hook) error) error {
	t.sync()
	for _, h := range t.hooks {
		if err := f(h); err != nil {
			return hookError(h, what, err)
		}
	}
	return nil
}

// sync copies the progress into the hooks' State.
func (t *trainer) sync() {
	s := &t.state
	s.Step, s.Epoch, s.StepInEpoch, s.LastLoss, s.Skipped = t.step, t.epoch, t.stepInEpoch, t.lastLoss, t.skipped
}

// skipEpochTail draws and drops the batches of the epoch that do not fill
// a step (none when Accum divides the batches per epoch).
func (t *trainer) skipEpochTail() error {
	for t.stepInEpoch < t.spe {
		b, err := t.ld.Next()
		if err != nil {
			return err
		}
		b.Release()
		t.stepInEpoch++
	}
	return nil
}

func releaseBatches(bs []*loader.Batch) {
	for i, b := range bs {
		if b != nil {
			b.Release()
			bs[i] = nil
		}
	}
}

// finish waits for the submitted steps and saves the last state.
func (t *trainer) finish() (*Result, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	res := &Result{Steps: t.step, LastLoss: t.lastLoss, Skipped: t.skipped}
	if t.stepInEpoch > 0 || t.epochSteps > 0 {
		if err := t.save(SaveEnd); err != nil {
			return nil, err
		}
	}
	if err := t.call("end", func(h Hook) error {
		if h.End == nil {
			return nil
		}
		return h.End(&t.state, res)
	}); err != nil {
		return nil, err
	}
	return res, nil
}

// report handles a completed step (done.Step < 0: none). A step whose
// gradient norm or loss is not finite was not applied (the AdamW kernel
// skips it): it is counted, and MaxSkippedInARow of them stop the run.
func (t *trainer) report(done StepInfo) error {
	if done.Step < 0 {
		return nil
	}
	loss := float64(done.Loss)
	skipped := !finite(float64(done.GradNorm)) || !finite(loss)
	// Steps run back to back, so the time between two submissions is the
	// time of a step (the first is timed from the start of the run).
	ips := float64(t.cfg.GlobalBatch()) / done.Submitted.Sub(t.lastReport).Seconds()
	t.lastReport = done.Submitted
	if skipped {
		t.skipped++
		t.epochSkips++
		if countsAsDivergence(done) {
			t.inARow++
		}
	} else {
		t.inARow = 0
		t.lastLoss = loss
		t.epochLoss += loss
		t.epochSteps++
	}
	r := StepReport{Step: done.Step, Epoch: t.epoch, Loss: done.Loss, GradNorm: done.GradNorm, LR: done.LR, ImagesPerSec: ips, Time: time.Now(), Skipped: skipped,
		LossScale: done.LossScale}
	if err := t.call("step", func(h Hook) error {
		if h.Step == nil {
			return nil
		}
		return h.Step(&t.state, r)
	}); err != nil {
		return err
	}
	if t.inARow >= MaxSkippedInARow {
		return fmt.Errorf("%w: steps %d to %d had a non-finite loss or gradient norm (loss %v, norm %v) and were skipped, the weights are those after step %d: lower the learning rate, set a gradient clip, or check the data",
			ErrDiverged, done.Step-int64(t.inARow)+1, done.Step, done.Loss, done.GradNorm, done.Step-int64(t.inARow))
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func (t *trainer) flush() error {
	done, err := t.stepper.Flush()
	if err != nil {
		return err
	}
	for _, d := range done {
		if err := t.report(d); err != nil {
			return err
		}
	}
	return nil
}

func (t *trainer) endEpoch() error {
	if err := t.flush(); err != nil {
		return err
	}
	rep := EpochReport{Epoch: t.epoch, Step: t.step, MeanLoss: t.epochLoss / float64(max(t.epochSteps, 1)), Skipped: t.epochSkips}
	t.epoch++
	t.stepInEpoch = 0
	t.epochLoss, t.epochSteps, t.epochSkips = 0, 0, 0
	if err := t.save(SaveEpoch); err != nil {
		return err
	}
	return t.call("epoch", func(h Hook) error {
		if h.Epoch == nil {
			return nil
		}
		return h.Epoch(&t.state, rep)
	})
}

// save runs the Save hooks on the state after the last completed step. No
// step may be pending.
func (t *trainer) save(why SaveReason) error {
	if err := t.checkParams(fmt.Sprintf("at the %s save of step %d", why, t.step)); err != nil {
		return err
	}
	t.lastSave = time.Now()
	return t.call("save "+why.String(), func(h Hook) error {
		if h.Save == nil {
			return nil
		}
		return h.Save(&t.state, why)
	})
}

// interrupt finishes the submitted steps, saves, and reports the stop.
func (t *trainer) interrupt() (*Result, error) {
	res := &Result{Steps: t.step, LastLoss: t.lastLoss, Skipped: t.skipped}
	if err := t.flush(); err != nil {
		return nil, fmt.Errorf("%w at step %d; finishing the steps in flight failed: %v", ErrInterrupted, t.step, err)
	}
	res.Steps = t.step
	if err := t.save(SaveInterrupt); err != nil {
		return res, fmt.Errorf("%w at step %d; saving failed: %v", ErrInterrupted, t.step, err)
	}
	return res, fmt.Errorf("%w at step %d", ErrInterrupted, t.step)
}
