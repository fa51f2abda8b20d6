package main

import (
	"fmt"
	"os"
	"time"

	"github.com/mae-vk/mae-vk/mae"
	"github.com/schollz/progressbar/v3"
)

// progress is what `train` shows on the terminal: a short summary of the
// run, a progress bar, a line per epoch and per evaluation, warnings.
// Under MPI, rank 0 shows all of it; the other ranks print their device,
// warnings and errors only, each with its rank.
type progress struct {
	quiet bool
	rd    *mae.RunDir // nil on ranks other than 0
	g     *group
	bar   *progressbar.ProgressBar
}

func (p *progress) hook() mae.Hook {
	if !p.g.lead() {
		return mae.Hook{
			Name: "progress",
			Start: func(s *mae.State) error {
				fmt.Fprintf(os.Stderr, "%sdevice %s\n", p.g.prefix(), s.Plan.Device)
				return nil
			},
			Warn: func(msg string) { fmt.Fprintf(os.Stderr, "%swarning: %s\n", p.g.prefix(), msg) },
		}
	}
	return mae.Hook{
		Name: "progress",
		Start: func(s *mae.State) error {
			fmt.Fprint(os.Stderr, summary(s.Config, s.Plan, p.rd))
			if p.g.comm != nil {
				fmt.Fprintf(os.Stderr, "dist   %d ranks, %s: global batch %d = %d ranks × batch %d × accum %d\n",
					p.g.size(), p.g.comm.Library(), s.Config.GlobalBatch(), p.g.size(), s.Config.Batch, s.Config.Accum)
			}
			if !p.quiet {
				p.bar = newTrainBar(s.Plan)
			}
			return nil
		},
		Step: func(s *mae.State, r mae.StepReport) error {
			if r.Skipped {
				p.say("step %d skipped: the gradient norm is %v (weights and optimizer state unchanged)", r.Step, r.GradNorm)
			}
			if p.bar != nil {
				p.bar.Describe(fmt.Sprintf("epoch %d  loss %.4f  %.0f img/s%s", r.Epoch, r.Loss, r.ImagesPerSec, lossScaleText(r, s.Skipped)))
				return p.bar.Set64(r.Step)
			}
			return nil
		},
		Epoch: func(s *mae.State, r mae.EpochReport) error {
			p.say("epoch %d done at step %d: mean loss %.4f%s; checkpoint in %s", r.Epoch, r.Step, r.MeanLoss, skippedNote(r.Skipped), p.rd.CheckpointDir())
			return nil
		},
		Eval: func(s *mae.State, r mae.EvalReport) error {
			p.say("step %d: %s loss %.4f over %d images", r.Step, r.Result.Data, r.Result.Loss, r.Result.Images)
			return nil
		},
		Warn: func(msg string) { p.say("warning: %s", msg) },
	}
}

func skippedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d steps skipped for a non-finite gradient)", n)
}

// say prints a line above the progress bar.
func (p *progress) say(format string, args ...any) {
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		fmt.Fprintln(os.Stderr)
	}
}

// summary is the few lines `train` opens with; the full config is in
// config.json.
func summary(cfg mae.TrainConfig, plan mae.Plan, rd *mae.RunDir) string {
	m := cfg.Model
	save := "each epoch"
	if cfg.SaveEvery > 0 {
		save += fmt.Sprintf(" and every %d steps", cfg.SaveEvery)
	} else if cfg.SaveInterval > 0 {
		save += " and every " + time.Duration(cfg.SaveInterval).String()
	}
	spe := plan.StepsPerEpoch / max(cfg.Accum, 1)
	length := fmt.Sprintf("%d epochs of %d steps", cfg.Epochs, spe)
	if plan.TotalSteps < int64(cfg.Epochs)*int64(spe) {
		length += fmt.Sprintf(", stopping after step %d", plan.TotalSteps)
	}
	resume := ""
	if plan.FirstStep > 0 {
		resume = fmt.Sprintf(", resuming after step %d", plan.FirstStep)
	}
	return fmt.Sprintf("model  %s: %d px, patch %d, encoder %d×%d (%d heads), decoder %d×%d (%d heads), mask %g; %.2f M parameters\n"+
		"data   %s/%s, augment %s, batch %d × %d accumulated; %s%s\n"+
		"lr     peak %.3g, warm-up %g epochs, cosine to %g; AdamW β (%g, %g), weight decay %g, clip %g\n"+
		"run    %s on %s; saves %s; full config in %s\n"+
		"memory %v\n",
		cfg.Preset, m.ImageSize, m.PatchSize, m.EncDim, m.EncDepth, m.EncHeads, m.DecDim, m.DecDepth, m.DecHeads, m.MaskRatio, float64(plan.Params)/1e6,
		cfg.Data, cfg.Split, cfg.Augment, cfg.Batch, cfg.Accum, length, resume,
		cfg.BaseLR(), cfg.WarmupEpochs, cfg.MinLR, cfg.Beta1, cfg.Beta2, cfg.WeightDecay, cfg.ClipGrad,
		rd.Path, plan.Device, save, rd.ConfigPath(), plan.Memory)
}

func newTrainBar(plan mae.Plan) *progressbar.ProgressBar {
	bar := progressbar.NewOptions64(plan.TotalSteps,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetItsString("steps"),
		progressbar.OptionShowIts(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200_000_000),
		progressbar.OptionClearOnFinish(),
	)
	_ = bar.Set64(plan.FirstStep)
	return bar
}
