package loader

import "github.com/mae-vk/mae-vk/internal/rng"

// BatchRNG returns the generator of the batch-level augmentation (mixup,
// cutmix, RandAugment, erasing, drop path) of a training step: the same
// (seed, step, purpose) always gives the same stream, so a resumed run
// draws what an uninterrupted one would.
func BatchRNG(seed uint64, step int64, purpose uint64) RNG {
	return rng.New(rng.Derive(seed, tagBatch, uint64(step), purpose))
}

const tagBatch = 0x62617463685f6175 // "batch_au"
