package mae

import "github.com/mae-vk/mae-vk/ops"

// CheckTrainFits is the memory plan Train computes for cfg on o's device
// (the precision resolved as Train resolves it), without opening the data
// or allocating anything: a command calls it before it creates a run
// directory, so that a run refused for memory leaves nothing behind.
func CheckTrainFits(o *ops.Ops, cfg TrainConfig) error {
	p, _, err := ResolvePrecision(cfg.Precision, o.Device().Info)
	if err != nil {
		return err
	}
	_, err = PlanRun(o.Device(), cfg.Model, cfg.Batch, cfg.Accum, StorageBytesFor(o, p))
	return err
}
