package finetune

import (
	"context"
	"encoding/json"

	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/mae-vk/mae-vk/internal/atomicfile"
	"github.com/mae-vk/mae-vk/loader"
	"github.com/mae-vk/mae-vk/mae"
	"github.com/mae-vk/mae-vk/ops"
	"github.com/mae-vk/mae-vk/vk"
)

// Hooks let the caller follow a run; each may be nil. A hook's error stops
// the run and comes back wrapped with the hook's name.
type Hooks struct {
	Start func(Config, Plan) error
	Step  func(StepReport) error
	Epoch func(EpochReport) error
	Warn  func(string)
}

// Plan is what a run is about to do.
type Plan struct {
	RunDir        string
	Device        string
	StepsPerEpoch int
	TotalSteps    int64
	FirstStep     int64
	Params        int
	Groups        []Group
	Init          string // where the encoder came from
}

// StepReport is one completed step.
type StepReport struct {
	Step         int64
	Epoch        int
	Loss         float32
	TrainAcc     float64
	LR           float64
	ImagesPerSec float64
}

// EpochReport is one completed epoch.
type EpochReport struct {
	Epoch      int
	Step       int64
	TrainLoss  float64
	Eval       *EvalResult // nil without an evaluation split
	Best       bool        // the best top-1 so far: saved in best/
	Checkpoint string
}

// Result is how a run ended.
type Result struct {
	RunDir string
	Steps  int64
	Best   *EvalResult
	Last   *EvalResult
}

// Train fine-tunes a classifier with the ops o (whose device and GEMM
// configuration the caller chose) as cfg says.
func Train(ctx context.Context, o *ops.Ops, cfg Config, hooks Hooks) (*Result, error) {
	t := &trainer{cfg: cfg, hooks: hooks, o: o, dev: o.Device()}
	defer t.close()
	if err := t.setup(ctx); err != nil {
		return nil, err
	}
	return t.run(ctx)
}

type trainer struct {
	cfg     Config
	hooks   Hooks
	o       *ops.Ops
	dev     *vk.Device
	rd      *mae.RunDir
	lock    *mae.RunLock
	metrics *metricsFile
	ld      *loader.Loader
	evalSrc loader.Source
	stats   loader.Stats
	model   *Model
	in      *Inputs
	rec     *vk.Recording
	eval    *evaluator
	initMsg string

	spe                     int
	total, step             int64
	epoch, stepInEpoch      int
	epochLoss               float64
	epochSteps              int
	best, last              *EvalResult
	lastTime                time.Time
	images, targets, scales []float32
}

func (t *trainer) setup(ctx context.Context) error {
	var ck *checkpoint
	if t.cfg.Resume != "" {
		var err error
		if ck, err = loadCheckpoint(t.cfg.Resume); err != nil {
			return fmt.Errorf("--resume %s: %w", t.cfg.Resume, err)
		}
		saved := ck.cfg
		saved.Steps, saved.Epochs, saved.Resume = t.cfg.Steps, t.cfg.Epochs, t.cfg.Resume
		if fileExists(filepath.Join(t.cfg.Resume, "config.json")) {
			saved.Out = t.cfg.Resume // the run directory, wherever it is now
		}
		t.cfg = saved
		t.step, t.epoch, t.stepInEpoch = ck.state.Step, ck.state.Epoch, ck.state.StepInEpoch
	}
	cfg := &t.cfg
	var pre *mae.Params
	if ck == nil && cfg.Weights != "" {
		var err error
		if pre, err = mae.LoadWeights(checkpointRoot(cfg.Weights), nil); err != nil {
			return fmt.Errorf("--weights %s: %w", cfg.Weights, err)
		}
		cfg.Model = pre.Config
	}
	src, err := loader.Open(cfg.Data, "train", loader.Options{Warn: t.hooks.Warn})
	if err != nil {
		return fmt.Errorf("--data %s: %w", cfg.Data, err)
	}
	if cfg.Classes == 0 {
		cfg.Classes = src.NumClasses()
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if src, err = loader.Subset(src, cfg.TrainImages); err != nil {
		return fmt.Errorf("--train-images: %w", err)
	}
	if cfg.EvalSplit != "" {
		if t.evalSrc, err = loader.Open(cfg.Data, cfg.EvalSplit, loader.Options{Warn: t.hooks.Warn}); err != nil {
			return fmt.Errorf("--data %s --eval-split %s: %w", cfg.Data, cfg.EvalSplit, err)
		}
		if t.evalSrc, err = loader.Subset(t.evalSrc, cfg.EvalImages); err != nil {
			return fmt.Errorf("--eval-images: %w", err)
		}
	}
	if ck != nil {
		t.rd, err = mae.OpenRunDir(cfg.Out)
	} else {
		t.rd, err = mae.NewRunDir(cfg.Out)
	}
	if err != nil {
		return err
	}
	if t.lock, err = t.rd.Lock(); err != nil {
		return err
	}
	if ck != nil { // steps logged after the checkpoint (a crash) are run again
		if err := mae.CutMetrics(t.rd.MetricsPath(), t.step); err != nil {
			return err
		}
	}
	cfg.Out = t.rd.Path
	if err := t.rd.WriteConfig(cfg); err != nil {
		return err
	}
	if t.metrics, err = openMetrics(t.rd.MetricsPath()); err != nil {
		return err
	}
	aug := loader.AugmentNone
	if cfg.Crop {
		aug = loader.AugmentMAE
	}
	t.ld, err = loader.NewLoader(ctx, src, loader.Config{
		BatchSize: cfg.Batch, Size: cfg.Model.ImageSize, Channels: cfg.Model.Channels, Augment: aug,
		Shuffle: true, Seed: cfg.Seed, Workers: cfg.Workers, StartEpoch: t.epoch, StartStep: t.stepInEpoch,
		Epochs: cfg.Epochs, Warn: t.hooks.Warn,
	})
	if err != nil {
		return fmt.Errorf("--data %s: %w", cfg.Data, err)
	}
	t.stats = t.ld.Stats()
	t.spe = t.ld.StepsPerEpoch()
	t.total = int64(cfg.Epochs) * int64(t.spe)
	if cfg.Steps > 0 && cfg.Steps < t.total {
		t.total = cfg.Steps
	}
	return t.setupModel(pre, ck)
}

func (t *trainer) setupModel(pre *mae.Params, ck *checkpoint) error {
	cfg := &t.cfg
	var err error
	if t.model, err = NewModel(t.o, cfg.Model, cfg.Classes, cfg.Batch, cfg.LayerDecay, cfg.DropPath > 0); err != nil {
		return err
	}
	var p *mae.Params
	switch {
	case ck != nil:
		p, t.initMsg = ck.params, "resumed from "+t.cfg.Resume
	case pre != nil:
		p, t.initMsg = nil, "pre-trained encoder from "+cfg.Weights
		if p, err = FromPretrained(pre, cfg.Classes, cfg.Seed); err != nil {
			return err
		}
	default:
		t.initMsg = "random initialization (MAE's init, no pre-training)"
		if p, err = RandomInit(cfg.Model, cfg.Classes, cfg.Seed); err != nil {
			return err
		}
	}
	if err := t.model.SetParams(p); err != nil {
		return err
	}
	if ck != nil {
		if err := t.model.SetMoments(ck.expAvg, ck.expA); err != nil {
			return err
		}
		t.best = readBest(t.rd.Path)
	}
	if t.in, err = t.model.NewInputs(); err != nil {
		return err
	}
	if t.rec, err = t.dev.NewRecording(); err != nil {
		return err
	}
	if err := t.model.RecordForward(t.rec, t.in); err != nil {
		return err
	}
	if err := t.model.RecordBackward(t.rec); err != nil {
		return err
	}
	if err := t.model.RecordUpdate(t.rec, t.in, cfg.Beta1, cfg.Beta2, cfg.Eps, cfg.WeightDecay); err != nil {
		return err
	}
	if err := t.rec.End(); err != nil {
		return fmt.Errorf("finetune: record training step: %w", err)
	}
	if t.evalSrc != nil {
		if t.eval, err = newEvaluator(t.model); err != nil {
			return err
		}
	}
	c := cfg.Model
	t.images = make([]float32, cfg.Batch*c.Channels*c.ImageSize*c.ImageSize)
	t.targets = make([]float32, cfg.Batch*cfg.Classes)
	return nil
}

func (t *trainer) close() {
	if t.rec != nil {
		t.rec.Release()
	}
	if t.eval != nil {
		t.eval.release()
	}
	if t.model != nil {
		t.model.Release()
	}
	if t.ld != nil {
		t.ld.Close()
	}
	if t.metrics != nil {
		t.metrics.close()
	}
	t.lock.Unlock()
}

func (t *trainer) run(ctx context.Context) (*Result, error) {
	trainable, _ := t.model.Layout.Count()
	plan := Plan{RunDir: t.rd.Path, Device: t.dev.Info.Name, StepsPerEpoch: t.spe, TotalSteps: t.total,
		FirstStep: t.step, Params: trainable, Groups: t.model.Groups, Init: t.initMsg}
	if t.hooks.Start != nil {
		if err := t.hooks.Start(t.cfg, plan); err != nil {
			return nil, fmt.Errorf("start hook: %w", err)
		}
	}
	t.lastTime = time.Now()
	sched := t.cfg.schedule()
	for t.step < t.total {
		if ctx.Err() != nil {
			return t.interrupt()
		}
		b, err := t.ld.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return t.interrupt()
			}
			return nil, err
		}
		lr := sched.At(float64(t.epoch) + float64(t.stepInEpoch)/float64(t.spe))
		loss, acc, err := t.trainStep(b, lr)
		if err != nil {
			return nil, err
		}
		t.step++
		t.stepInEpoch++
		if err := t.report(loss, acc, lr); err != nil {
			return nil, err
		}
		if t.stepInEpoch == t.spe {
			if err := t.endEpoch(ctx); err != nil {
				return nil, err
			}
		}
	}
	if t.stepInEpoch > 0 { // stopped by --steps within an epoch
		if err := t.endEpoch(ctx); err != nil {
			return nil, err
		}
	}
	return &Result{RunDir: t.rd.Path, Steps: t.step, Best: t.best, Last: t.last}, nil
}

func (t *trainer) report(loss float32, acc, lr float64) error {
	if math.IsNaN(float64(loss)) || math.IsInf(float64(loss), 0) {
		return fmt.Errorf("step %d: loss is %v; stopping (lower --blr or set --clip-grad)", t.step, loss)
	}
	now := time.Now()
	ips := float64(t.cfg.Batch) / now.Sub(t.lastTime).Seconds()
	t.lastTime = now
	t.epochLoss += float64(loss)
	t.epochSteps++
	norm := t.in.Norm.MappedFloat32()[0]
	if err := t.metrics.write(Record{Step: t.step, Epoch: t.epoch, Loss: float64(loss), TrainAcc: acc, LR: lr, ImgPerSec: ips, GradNorm: float64(norm), Time: now}); err != nil {
		return err
	}
	if t.hooks.Step != nil {
		if err := t.hooks.Step(StepReport{Step: t.step, Epoch: t.epoch, Loss: loss, TrainAcc: acc, LR: lr, ImagesPerSec: ips}); err != nil {
			return fmt.Errorf("step hook: %w", err)
		}
	}
	return nil
}

// endEpoch evaluates, keeps the best weights, saves the checkpoint and
// draws the curves.
func (t *trainer) endEpoch(ctx context.Context) error {
	rep := EpochReport{Epoch: t.epoch, Step: t.step, TrainLoss: t.epochLoss / float64(max(t.epochSteps, 1))}
	if t.stepInEpoch == t.spe {
		t.epoch++
		t.stepInEpoch = 0
	}
	t.epochLoss, t.epochSteps = 0, 0
	if t.eval != nil {
		res, err := t.eval.run(ctx, t.evalSrc, t.cfg.Workers, t.hooks.Warn)
		if err != nil {
			if ctx.Err() != nil {
				_, ierr := t.interrupt()
				return ierr
			}
			return err
		}
		rep.Eval, t.last = &res, &res
		if err := t.metrics.write(Record{Step: t.step, Epoch: rep.Epoch, Loss: res.Loss, Eval: true, Top1: res.Top1, Top5: res.Top5, Images: res.Images, Time: time.Now()}); err != nil {
			return err
		}
		if t.best == nil || res.Top1 > t.best.Top1 {
			if err := t.saveBest(res); err != nil {
				return err
			}
			t.best, rep.Best = &res, true
		}
	}
	var err error
	if rep.Checkpoint, err = t.save(); err != nil {
		return err
	}
	if recs, err := ReadMetrics(t.rd.MetricsPath()); err == nil && len(recs) > 1 {
		if err := SaveCurves(filepath.Join(t.rd.Path, CurvesFile), recs); err != nil {
			return err
		}
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
	p, err := t.model.Params()
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
	ck := mae.Checkpoint{Params: p, ExpAvg: m1, ExpAvgSq: m2, State: mae.TrainState{
		Step: t.step, Epoch: t.epoch, StepInEpoch: t.stepInEpoch, RNG: map[string]uint64{"seed": t.cfg.Seed}, Config: raw,
	}}
	dir := t.rd.CheckpointDir()
	if err := mae.SaveCheckpointKeep(dir, ck, t.cfg.Keep); err != nil {
		return "", err
	}
	return filepath.Join(dir, mae.CheckpointName(t.step)), nil
}

// saveBest writes the current weights and their evaluation to best/.
func (t *trainer) saveBest(res EvalResult) error {
	p, err := t.model.Params()
	if err != nil {
		return err
	}
	dir := filepath.Join(t.rd.Path, BestDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("finetune: %w", err)
	}
	if err := saveWeights(filepath.Join(dir, mae.ModelFile), p); err != nil {
		return err
	}
	js, err := json.MarshalIndent(struct {
		EvalResult
		Step int64 `json:"step"`
	}{res, t.step}, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, "eval.json"), append(js, '\n'))
}

// readBest reads best/eval.json of a run directory (nil if none).
func readBest(run string) *EvalResult {
	b, err := os.ReadFile(filepath.Join(run, BestDir, "eval.json"))
	if err != nil {
		return nil
	}
	var r EvalResult
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	return &r
}

// interrupt saves a checkpoint and reports the stop.
func (t *trainer) interrupt() (*Result, error) {
	path, err := t.save()
	if err != nil {
		return nil, fmt.Errorf("%w; saving the checkpoint failed too: %v", mae.ErrInterrupted, err)
	}
	return &Result{RunDir: t.rd.Path, Steps: t.step, Best: t.best, Last: t.last},
		fmt.Errorf("%w at step %d; checkpoint saved in %s (continue with --resume %s)", mae.ErrInterrupted, t.step, path, t.rd.Path)
}

// ErrInterrupted is mae.ErrInterrupted: Train's error wraps it when its
// context was cancelled (the run saved a checkpoint first).
var ErrInterrupted = mae.ErrInterrupted
