package loader

import (
	"fmt"
	"runtime"
)

// Config sets up a Loader. The zero value of each optional field picks the
// default given beside it.
type Config struct {
	BatchSize int     // items per batch (required); the last partial batch of an epoch is dropped
	Size      int     // side S of the model's square input; 0: the source's side (fixed-size sources only)
	Channels  int     // model channels, 1 or 3; 0: the source's
	Augment   Augment // AugmentMAE for pre-training, AugmentNone for eval
	Shuffle   bool    // visit items in a seeded random order, new each epoch; false: in order
	Seed      uint64  // seeds the order and the augmentation

	// Shards splits each batch of the epoch order into this many parts of
	// BatchSize items, one per process of a data-parallel run, and Shard
	// is the part this Loader delivers: its batch k holds positions
	// (k·Shards + Shard)·BatchSize … +BatchSize-1. 0 means 1 (no split).
	// Batch k of every shard together is batch k of one Loader with
	// Shards·BatchSize items and the same Seed, augmentation included.
	Shard, Shards int

	Workers int // decoding goroutines; 0: GOMAXPROCS
	Buffers int // batch buffers in the pool, at least 2; 0: 3

	StartEpoch int // first epoch, for resuming
	StartStep  int // first batch within StartEpoch, for resuming
	Epochs     int // stop (io.EOF) when epoch Epochs would begin; 0: never stop

	// Warn receives one line per bad item skipped; nil logs to stderr.
	Warn func(string)
}

// withDefaults checks c against src and fills in the defaults.
func (c Config) withDefaults(src Source) (Config, error) {
	sc, sh, sw := src.Shape()
	if c.BatchSize <= 0 {
		return c, fmt.Errorf("loader: batch size %d: must be positive", c.BatchSize)
	}
	if c.Shards == 0 {
		c.Shards = 1
	}
	if c.Shards < 0 || c.Shard < 0 || c.Shard >= c.Shards {
		return c, fmt.Errorf("loader: shard %d of %d: want 0 <= shard < shards", c.Shard, c.Shards)
	}
	if c.BatchSize*c.Shards > src.Len() {
		if c.Shards > 1 {
			return c, fmt.Errorf("loader: batch size %d on %d processes is larger than %s's %d items: use a smaller --batch", c.BatchSize, c.Shards, src.Name(), src.Len())
		}
		return c, fmt.Errorf("loader: batch size %d is larger than %s's %d items: use a smaller --batch", c.BatchSize, src.Name(), src.Len())
	}
	if c.Size == 0 {
		if sh == 0 || sh != sw {
			return c, fmt.Errorf("loader: %s has no single square image size: set the model image size (--image-size)", src.Name())
		}
		c.Size = sh
	}
	if c.Size < 0 {
		return c, fmt.Errorf("loader: image size %d: must be positive", c.Size)
	}
	if c.Channels == 0 {
		c.Channels = sc
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.Buffers == 0 {
		c.Buffers = 3
	}
	if c.Buffers < 2 {
		return c, fmt.Errorf("loader: %d batch buffers: need at least 2", c.Buffers)
	}
	steps := src.Len() / (c.BatchSize * c.Shards)
	if c.StartEpoch < 0 || c.StartStep < 0 || c.StartStep >= steps {
		return c, fmt.Errorf("loader: cannot start at epoch %d step %d: an epoch has steps 0 to %d", c.StartEpoch, c.StartStep, steps-1)
	}
	if c.Epochs < 0 {
		return c, fmt.Errorf("loader: %d epochs: must not be negative", c.Epochs)
	}
	if c.Augment == AugmentNone && sh > 0 && min(sh, sw) < c.Size {
		return c, fmt.Errorf("loader: %s: %w: pictures are %d×%d, crop %d: use --image-size %d or less, or --augment mae (training)", src.Name(), ErrTooSmall, sw, sh, c.Size, min(sh, sw))
	}
	return c, nil
}
