package mae

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Hooks let the caller follow a training run. Every field may be nil; a
// hook's error stops the run and is returned wrapped with the hook's name.
type Hooks struct {
	Start func(TrainConfig, Plan) error // after set-up, before the first step
	Step  func(StepReport) error        // after each completed step
	Epoch func(EpochReport) error       // after each epoch's checkpoint and pictures
	Warn  func(string)                  // data warnings (bad files); nil: stderr
}

// Plan is what a run is about to do.
type Plan struct {
	RunDir        string
	Device        string
	StepsPerEpoch int
	TotalSteps    int64
	FirstStep     int64 // > 0 when resuming
	Params        int   // trainable parameters
}

// StepReport is one completed step.
type StepReport struct {
	Step         int64
	Epoch        int
	Loss         float32
	GradNorm     float32
	LR           float64
	ImagesPerSec float64
}

// EpochReport is one completed epoch.
type EpochReport struct {
	Epoch      int
	Step       int64
	MeanLoss   float64
	Checkpoint string
	Recon      string
}

// Result is how a run ended.
type Result struct {
	RunDir   string
	Steps    int64
	LastLoss float64
}

// ErrInterrupted is wrapped by Train's error when its context was
// cancelled (Ctrl-C); the run saved a checkpoint first.
var ErrInterrupted = errors.New("training interrupted")

// Train runs MAE pre-training on dev as cfg says.
func Train(ctx context.Context, dev *vk.Device, cfg TrainConfig, hooks Hooks) (*Result, error) {
	t, err := newTrainer(ctx, dev, cfg, hooks)
	if err != nil {
		return nil, err
	}
	defer t.close()
	return t.run(ctx)
}

// trainer is one run's state.
type trainer struct {
	cfg     TrainConfig
	hooks   Hooks
	dev     *vk.Device
	rd      *RunDir
	metrics *MetricsWriter
	ld      *loader.Loader
	stats   loader.Stats
	model   *Model
	stepper *Stepper
	sched   Schedule
	spe     int
	total   int64

	step        int64 // steps completed or submitted
	epoch       int
	stepInEpoch int
	lastLoss    float64
	epochLoss   float64
	epochSteps  int
	lastReport  time.Time
	recon       []float32 // a fixed batch for the reconstruction grids
	reconIn     *Inputs
}

func newTrainer(ctx context.Context, dev *vk.Device, cfg TrainConfig, hooks Hooks) (*trainer, error) {
	t := &trainer{cfg: cfg, hooks: hooks, dev: dev}
	var ck *Checkpoint
	if cfg.Resume != "" {
		var err error
		if ck, err = LoadCheckpoint(checkpointRoot(cfg.Resume)); err != nil {
			return nil, fmt.Errorf("--resume %s: %w", cfg.Resume, err)
		}
		if err := t.resumeConfig(ck); err != nil {
			return nil, err
		}
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

// checkpointRoot turns a run directory into its checkpoint directory;
// anything else (a checkpoint directory, or one holding ckpt-*) is kept.
func checkpointRoot(path string) string {
	if st, err := os.Stat(filepath.Join(path, "checkpoints")); err == nil && st.IsDir() {
		return filepath.Join(path, "checkpoints")
	}
	return path
}

// resumeConfig takes the saved run's config, keeping the step limit and
// epochs of the new command line, and continues in the saved run directory.
func (t *trainer) resumeConfig(ck *Checkpoint) error {
	var saved TrainConfig
	if err := json.Unmarshal(ck.State.Config, &saved); err != nil {
		return fmt.Errorf("--resume %s: state.json has no usable training config: %w", t.cfg.Resume, err)
	}
	saved.Steps, saved.Epochs, saved.Resume = t.cfg.Steps, t.cfg.Epochs, t.cfg.Resume
	if t.cfg.Out != "" {
		saved.Out = t.cfg.Out
	}
	t.cfg = saved
	t.step, t.epoch, t.stepInEpoch = ck.State.Step, ck.State.Epoch, ck.State.StepInEpoch
	return nil
}

func (t *trainer) setup(ctx context.Context, ck *Checkpoint) error {
	cfg := &t.cfg
	var err error
	warn := t.hooks.Warn
	src, err := loader.Open(cfg.Data, cfg.Split, loader.Options{Warn: warn})
	if err != nil {
		return fmt.Errorf("--data %s: %w", cfg.Data, err)
	}
	if t.rd, err = NewRunDir(cfg.Out); err != nil {
		return err
	}
	cfg.Out = t.rd.Path
	if err := t.rd.WriteConfig(cfg); err != nil {
		return err
	}
	if t.metrics, err = OpenMetrics(t.rd.MetricsPath()); err != nil {
		return err
	}
	aug, _ := loader.ParseAugment(cfg.Augment)
	t.ld, err = loader.NewLoader(ctx, src, loader.Config{
		BatchSize: cfg.Batch, Size: cfg.Model.ImageSize, Channels: cfg.Model.Channels,
		Augment: aug, Shuffle: true, Seed: cfg.Seed, Workers: cfg.Workers, Buffers: max(3, cfg.Accum+2),
		StartEpoch: t.epoch, StartStep: t.stepInEpoch, Epochs: cfg.Epochs, Warn: warn,
	})
	if err != nil {
		return fmt.Errorf("--data %s: %w", cfg.Data, err)
	}
	t.stats = t.ld.Stats()
	// spe counts data batches; a step takes Accum of them, and the
	// batches of an epoch that do not fill a step are skipped.
	t.spe = t.ld.StepsPerEpoch()
	if t.spe < cfg.Accum {
		return fmt.Errorf("--accum %d: an epoch has only %d batches of %d", cfg.Accum, t.spe, cfg.Batch)
	}
	t.total = int64(cfg.Epochs) * int64(t.spe/cfg.Accum)
	if cfg.Steps > 0 && cfg.Steps < t.total {
		t.total = cfg.Steps
	}
	t.sched = Schedule{Base: cfg.BaseLR(), Min: cfg.MinLR, Warmup: cfg.WarmupEpochs, Epochs: float64(cfg.Epochs)}

	o := ops.New(t.dev)
	if _, err := o.LoadGemmTuning(ops.TuningDir()); err != nil {
		return err
	}
	if t.model, err = NewModel(o, cfg.Model, cfg.Batch); err != nil {
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
	}
	t.stepper, err = NewStepper(t.model, ops.AdamWConfig{
		Beta1: float32(cfg.Beta1), Beta2: float32(cfg.Beta2), Eps: float32(cfg.Eps), WeightDecay: float32(cfg.WeightDecay),
	}, cfg.Accum)
	return err
}

func (t *trainer) close() {
	if t.stepper != nil {
		t.stepper.Release()
	}
	if t.model != nil {
		t.model.Release()
	}
	if t.ld != nil {
		t.ld.Close()
	}
	if t.metrics != nil {
		t.metrics.Close()
	}
}

// maskSeed derives the masking generator of a step from the run's seed, so
// that a resumed run masks exactly as an uninterrupted one.
func maskSeed(seed uint64, step int64) uint64 {
	return NewRNG(seed ^ 0x6d61736b /* "mask" */ ^ uint64(step)*0x9e3779b97f4a7c15).Uint64()
}

func (t *trainer) run(ctx context.Context) (*Result, error) {
	trainable, _ := t.model.Layout.Count()
	plan := Plan{RunDir: t.rd.Path, Device: t.dev.Info.Name, StepsPerEpoch: t.spe, TotalSteps: t.total, FirstStep: t.step, Params: trainable}
	if t.hooks.Start != nil {
		if err := t.hooks.Start(t.cfg, plan); err != nil {
			return nil, fmt.Errorf("start hook: %w", err)
		}
	}
	t.lastReport = time.Now()
	k := t.cfg.Accum
	images, masks := make([][]float32, k), make([]Masking, k)
	batches := make([]*loader.Batch, k)
	maskers := make([]*Masker, k)
	for j := range maskers {
		maskers[j] = NewMasker(t.cfg.Model, t.cfg.Batch)
	}
	for t.step < t.total {
		if ctx.Err() != nil {
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
			masks[j] = maskers[j].Draw(NewRNG(maskSeed(t.cfg.Seed, int64(t.step)*int64(k)+int64(j))))
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
		} else if t.cfg.ReconEvery > 0 && t.step%t.cfg.ReconEvery == 0 {
			if err := t.flush(); err != nil {
				return nil, err
			}
			if _, err := t.drawReconTo(t.rd.ReconStepPath(t.step)); err != nil {
				return nil, err
			}
		}
	}
	return t.finish()
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
	if t.stepInEpoch > 0 || t.epochSteps > 0 {
		if _, err := t.save(); err != nil {
			return nil, err
		}
		if err := t.plotLoss(); err != nil {
			return nil, err
		}
	}
	return &Result{RunDir: t.rd.Path, Steps: t.step, LastLoss: t.lastLoss}, nil
}

// report handles a completed step (done.Step < 0: none).
func (t *trainer) report(done StepInfo) error {
	if done.Step < 0 {
		return nil
	}
	loss := float64(done.Loss)
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return fmt.Errorf("step %d: loss is %v; stopping (lower --blr or set --clip-grad)", done.Step, loss)
	}
	// Steps run back to back, so the time between two submissions is the
	// time of a step (the first is timed from the start of the run).
	now := time.Now()
	ips := float64(t.cfg.Batch) / done.Submitted.Sub(t.lastReport).Seconds()
	t.lastReport = done.Submitted
	t.lastLoss = loss
	t.epochLoss += loss
	t.epochSteps++
	rec := MetricsRecord{Step: done.Step, Epoch: t.epoch, Loss: loss, LR: done.LR, ImgPerSec: ips, GradNorm: float64(done.GradNorm), Time: now}
	if err := t.metrics.Write(rec); err != nil {
		return err
	}
	if t.hooks.Step != nil {
		r := StepReport{Step: done.Step, Epoch: t.epoch, Loss: done.Loss, GradNorm: done.GradNorm, LR: done.LR, ImagesPerSec: ips}
		if err := t.hooks.Step(r); err != nil {
			return fmt.Errorf("step hook: %w", err)
		}
	}
	return nil
}

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
	rep := EpochReport{Epoch: t.epoch, Step: t.step, MeanLoss: t.epochLoss / float64(max(t.epochSteps, 1))}
	t.epoch++
	t.stepInEpoch = 0
	t.epochLoss, t.epochSteps = 0, 0
	var err error
	if rep.Checkpoint, err = t.save(); err != nil {
		return err
	}
	if rep.Recon, err = t.drawRecon(rep.Epoch); err != nil {
		return err
	}
	if err := t.plotLoss(); err != nil {
		return err
	}
	if t.hooks.Epoch != nil {
		if err := t.hooks.Epoch(rep); err != nil {
			return fmt.Errorf("epoch hook: %w", err)
		}
	}
	return nil
}

// save writes a checkpoint of the state after the last completed step.
func (t *trainer) save() (string, error) {
	params, err := t.model.Params()
	if err != nil {
		return "", err
	}
	m1, m2, err := t.model.Moments()
	if err != nil {
		return "", err
	}
	raw, err := json.Marshal(t.cfg)
	if err != nil {
		return "", err
	}
	ck := Checkpoint{Params: params, ExpAvg: m1, ExpAvgSq: m2, State: TrainState{
		Step: t.step, Epoch: t.epoch, StepInEpoch: t.stepInEpoch,
		RNG: map[string]uint64{"seed": t.cfg.Seed}, Loss: t.lastLoss, Config: raw,
	}}
	dir := t.rd.CheckpointDir()
	if err := SaveCheckpointKeep(dir, ck, t.cfg.Keep); err != nil {
		return "", err
	}
	return dir + "/" + CheckpointName(t.step), nil
}

// interrupt finishes the submitted steps, saves, and reports the stop.
func (t *trainer) interrupt() (*Result, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	path, err := t.save()
	if err != nil {
		return nil, fmt.Errorf("%w; saving the checkpoint failed too: %v", ErrInterrupted, err)
	}
	return &Result{RunDir: t.rd.Path, Steps: t.step, LastLoss: t.lastLoss},
		fmt.Errorf("%w at step %d; checkpoint saved in %s (continue with --resume %s)", ErrInterrupted, t.step, path, t.rd.Path)
}

func (t *trainer) plotLoss() error {
	train, eval, err := ReadLossCurve(t.rd.MetricsPath())
	if err != nil {
		return err
	}
	if len(train) < 2 {
		return nil
	}
	return SaveLossPlot(t.rd.LossPlotPath(), train, eval)
}
