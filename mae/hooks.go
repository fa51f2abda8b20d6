package mae

import (
	"fmt"
	"time"
)

// Hook is one named part of what a training run does besides training:
// writing metrics, saving checkpoints, drawing pictures, evaluating,
// reporting progress. Train calls the hooks in the order given; every
// field but Name may be nil. An error of a hook stops the run and is
// returned wrapped with the hook's name. cmd/mae-vk assembles the default
// set (RunDirHooks); Train with no hooks trains and saves nothing.
//
// Start, Tick, Save, Epoch, Eval and End run with no step in flight, so
// they may read the model (State.Checkpoint, State.Params); Step runs while
// the next step may be running and must not touch the model.
type Hook struct {
	Name  string
	Start func(s *State) error                 // after set-up, before the first step
	Step  func(s *State, r StepReport) error   // after each completed step, in order
	Every int64                                // Tick's period in steps (0: never)
	Tick  func(s *State) error                 // after every Every-th step, within an epoch
	Save  func(s *State, why SaveReason) error // the run saves its state (see SaveReason)
	Epoch func(s *State, r EpochReport) error  // after each epoch, after Save
	Eval  func(s *State, r EvalReport) error   // an evaluation during training finished
	End   func(s *State, res *Result) error    // the run ended, after the last Save
	Warn  func(msg string)                     // data warnings (bad files skipped)
	Close func()                               // always, once the run is over (release files)
}

// SaveReason says why a run saves its state.
type SaveReason int

// The reasons a run saves.
const (
	SaveEpoch     SaveReason = iota // an epoch ended
	SavePeriodic                    // TrainConfig.SaveEvery steps or SaveInterval passed
	SaveInterrupt                   // the context was cancelled (Ctrl-C, SIGTERM, SIGHUP)
	SaveEnd                         // the run reached its last step
)

func (r SaveReason) String() string {
	return [...]string{"epoch", "periodic", "interrupt", "end"}[r]
}

// Plan is what a run is about to do.
type Plan struct {
	Device        string
	StepsPerEpoch int
	TotalSteps    int64
	FirstStep     int64 // > 0 when resuming
	Params        int   // trainable parameters
	Memory        MemoryPlan
}

// StepReport is one completed step.
type StepReport struct {
	Step         int64
	Epoch        int
	Loss         float32
	GradNorm     float32
	LR           float64
	ImagesPerSec float64
	Time         time.Time
	// Skipped is set when the step's gradient was not finite: the weights
	// and optimizer state were left as they were.
	Skipped bool
	// LossScale is the fp16 loss scale the step ran with (0 in fp32 and
	// bf16; see LossScaler).
	LossScale float64
}

// EpochReport is one completed epoch.
type EpochReport struct {
	Epoch    int
	Step     int64
	MeanLoss float64 // over the epoch's steps that were not skipped
	Skipped  int     // steps of the epoch skipped for a non-finite gradient
}

// EvalReport is one evaluation during training.
type EvalReport struct {
	Step   int64
	Epoch  int
	Result EvalResult
}

// Result is how a run ended.
type Result struct {
	Steps    int64
	LastLoss float64
	Skipped  int64 // steps skipped for a non-finite gradient
}

// hookError names the hook and the callback that failed.
func hookError(h Hook, what string, err error) error {
	return fmt.Errorf("%s hook (%s): %w", h.Name, what, err)
}
