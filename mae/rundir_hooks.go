package mae

import (
	"fmt"
	"time"
)

// RunDirHooks are the hooks that fill a run directory as `mae-vk train`
// does: metrics.jsonl, checkpoints (keeping cfg.Keep), reconstruction
// grids (cfg.ReconImages rows, every cfg.ReconEvery steps and each epoch)
// and loss.png.
func RunDirHooks(rd *RunDir, cfg TrainConfig) []Hook {
	return []Hook{MetricsHook(rd), CheckpointHook(rd, cfg.Keep), PicturesHook(rd, cfg.ReconImages, cfg.ReconEvery), LossPlotHook(rd)}
}

// MetricsHook writes one metrics.jsonl record per step and per
// evaluation. A resumed run first cuts the file back to the records of
// the steps its checkpoint holds, so that steps run after that checkpoint
// and before a crash are not there twice.
func MetricsHook(rd *RunDir) Hook {
	var w *MetricsWriter
	return Hook{
		Name: "metrics",
		Start: func(s *State) error {
			if err := CutMetrics(rd.MetricsPath(), s.Plan.FirstStep); err != nil {
				return err
			}
			var err error
			w, err = OpenMetrics(rd.MetricsPath())
			return err
		},
		Step: func(s *State, r StepReport) error {
			return w.Write(MetricsRecord{Step: r.Step, Epoch: r.Epoch, Loss: float64(r.Loss), LR: r.LR, ImgPerSec: r.ImagesPerSec,
				GradNorm: float64(r.GradNorm), Time: r.Time, Skipped: r.Skipped, LossScale: r.LossScale})
		},
		Eval: func(s *State, r EvalReport) error {
			return w.Write(MetricsRecord{Step: r.Step, Epoch: r.Epoch, Loss: r.Result.Loss, Eval: true, Time: time.Now()})
		},
		Close: func() {
			if w != nil {
				w.Close()
			}
		},
	}
}

// CheckpointHook saves a checkpoint in <run>/checkpoints whenever the run
// saves, keeping the keep newest (keep < 1: all).
func CheckpointHook(rd *RunDir, keep int) Hook {
	return Hook{
		Name: "checkpoint",
		Save: func(s *State, _ SaveReason) error {
			ck, err := s.Checkpoint()
			if err != nil {
				return err
			}
			return SaveCheckpointKeep(rd.CheckpointDir(), ck, keep)
		},
	}
}

// PicturesHook draws the reconstruction grid of the run's fixed batch
// (rows images) every `every` steps (0: never) and at each epoch's end;
// rows ≤ 0 draws nothing.
func PicturesHook(rd *RunDir, rows int, every int64) Hook {
	draw := func(s *State, path string) error {
		if rows <= 0 {
			return nil
		}
		r, ok, err := s.ReconBatch(rows)
		if err != nil || !ok {
			return err
		}
		return SaveReconGrid(path, s.Config.Model, s.Stats, r)
	}
	return Hook{
		Name:  "pictures",
		Every: every,
		Tick: func(s *State) error {
			if s.StepInEpoch == 0 { // the epoch's picture is drawn
				return nil
			}
			return draw(s, rd.ReconStepPath(s.Step))
		},
		Epoch: func(s *State, r EpochReport) error { return draw(s, rd.ReconPath(r.Epoch)) },
	}
}

// LossPlotHook draws loss.png from metrics.jsonl (training and evaluation
// losses) at each epoch's end and when the run ends or saves on an
// interruption.
func LossPlotHook(rd *RunDir) Hook {
	plot := func() error {
		train, eval, err := ReadLossCurve(rd.MetricsPath())
		if err != nil {
			return fmt.Errorf("reading %s: %w", rd.MetricsPath(), err)
		}
		if len(train) < 2 {
			return nil
		}
		return SaveLossPlot(rd.LossPlotPath(), train, eval)
	}
	return Hook{
		Name:  "loss plot",
		Epoch: func(*State, EpochReport) error { return plot() },
		Save: func(_ *State, why SaveReason) error {
			if why == SaveInterrupt || why == SaveEnd {
				return plot()
			}
			return nil
		},
	}
}
