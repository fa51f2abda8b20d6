package mae

import "context"

// EvalHook evaluates the weights every `every` steps (Hook.Tick) as
// Evaluate does with cfg (cfg.Params is set to the current weights; the
// other fields as in EvalConfig, Data "" meaning the run's data set), and
// hands the result to every hook's Eval (MetricsHook writes it to
// metrics.jsonl, LossPlotHook draws it beside the training loss).
func EvalHook(ctx context.Context, every int64, cfg EvalConfig) Hook {
	return Hook{
		Name:  "eval",
		Every: every,
		Tick: func(s *State) error {
			p, err := s.Params()
			if err != nil {
				return err
			}
			c := cfg
			c.Params = p
			if c.Data == "" {
				c.Data = s.Config.Data
			}
			if c.Warn == nil {
				c.Warn = s.Warn
			}
			res, err := Evaluate(ctx, s.Ops, c)
			if err != nil {
				return err
			}
			return s.ReportEval(EvalReport{Step: s.Step, Epoch: s.Epoch, Result: res})
		},
	}
}
