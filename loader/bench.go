package loader

import (
	"context"
	"fmt"
	"time"
)

// BenchResult is what Bench measured.
type BenchResult struct {
	Data              string  `json:"data"`                // the source's name
	BatchSize         int     `json:"batch_size"`          // items per batch
	Size              int     `json:"size"`                // model image side
	Channels          int     `json:"channels"`            // model channels
	Augment           string  `json:"augment"`             // none or mae
	Workers           int     `json:"workers"`             // decoding goroutines
	Batches           int     `json:"batches"`             // batches drawn
	Images            int     `json:"images"`              // items drawn
	FirstBatchSeconds float64 `json:"first_batch_seconds"` // start-up: workers started to first batch
	Seconds           float64 `json:"seconds"`             // steady state: first batch to last
	ImagesPerSecond   float64 `json:"images_per_second"`   // steady-state throughput
	BadItems          int     `json:"bad_items"`           // items skipped as unreadable
}

// Bench draws batches batches from src with cfg (its Epochs is ignored:
// the run continues into later epochs as needed) and measures the
// throughput, releasing each batch as soon as it arrives, so the figure is
// the loader's own speed with no training step in the way. Throughput is
// counted after the first batch, once the pipeline is full; with a single
// batch it includes start-up.
func Bench(ctx context.Context, src Source, cfg Config, batches int) (BenchResult, error) {
	if batches <= 0 {
		return BenchResult{}, fmt.Errorf("loader: bench: %d batches: must be positive", batches)
	}
	cfg.Epochs = 0
	start := time.Now()
	l, err := NewLoader(ctx, src, cfg)
	if err != nil {
		return BenchResult{}, err
	}
	defer l.Close()
	res := BenchResult{
		Data:      src.Name(),
		BatchSize: l.cfg.BatchSize,
		Size:      l.cfg.Size,
		Channels:  l.cfg.Channels,
		Augment:   l.cfg.Augment.String(),
		Workers:   l.cfg.Workers,
	}
	var first time.Time
	for i := range batches {
		b, err := l.Next()
		if err != nil {
			return res, fmt.Errorf("bench batch %d: %w", i, err)
		}
		b.Release()
		if i == 0 {
			first = time.Now()
			res.FirstBatchSeconds = first.Sub(start).Seconds()
		}
	}
	end := time.Now()
	res.Batches = batches
	res.Images = batches * l.cfg.BatchSize
	counted := (batches - 1) * l.cfg.BatchSize
	res.Seconds = end.Sub(first).Seconds()
	if batches == 1 {
		counted = l.cfg.BatchSize
		res.Seconds = end.Sub(start).Seconds()
	}
	if res.Seconds > 0 {
		res.ImagesPerSecond = float64(counted) / res.Seconds
	}
	res.BadItems = l.BadItems()
	return res, nil
}
