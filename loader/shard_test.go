package loader

import (
	"context"
	"slices"
	"testing"
)

// TestShardsMakeTheGlobalBatch checks the data-parallel contract: batch k
// of each of 3 shards of 4 items, laid side by side in shard order, is
// batch k of one Loader of 12 items with the same seed (items, labels and
// augmented pixels), over two epochs and with bad items in the data.
func TestShardsMakeTheGlobalBatch(t *testing.T) {
	src := &memSource{n: 50, c: 3, h: 20, w: 24, vary: true, bad: map[int]bool{3: true, 17: true}}
	base := Config{Size: 16, Augment: AugmentMAE, Shuffle: true, Seed: 5, Workers: 2, Epochs: 2, Warn: func(string) {}}
	open := func(batch, shard, shards int) *Loader {
		cfg := base
		cfg.BatchSize, cfg.Shard, cfg.Shards = batch, shard, shards
		l, err := NewLoader(context.Background(), src, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	whole := open(12, 0, 1)
	defer whole.Close()
	wImg, wLab, wItems, wSteps := drain(t, whole)
	const shards, per = 3, 4
	sample := 3 * 16 * 16
	for s := range shards {
		l := open(per, s, shards)
		if l.StepsPerEpoch() != whole.StepsPerEpoch() {
			t.Fatalf("shard %d: %d steps per epoch, whole: %d", s, l.StepsPerEpoch(), whole.StepsPerEpoch())
		}
		img, lab, items, steps := drain(t, l)
		l.Close()
		if !slices.Equal(steps, wSteps) {
			t.Fatalf("shard %d: batches %v, whole %v", s, steps, wSteps)
		}
		for k := range steps {
			lo, hi := k*12+s*per, k*12+(s+1)*per
			if !slices.Equal(items[k*per:(k+1)*per], wItems[lo:hi]) || !slices.Equal(lab[k*per:(k+1)*per], wLab[lo:hi]) {
				t.Fatalf("shard %d batch %d: items %v, whole batch has %v", s, k, items[k*per:(k+1)*per], wItems[lo:hi])
			}
			if !slices.Equal(img[k*per*sample:(k+1)*per*sample], wImg[lo*sample:hi*sample]) {
				t.Fatalf("shard %d batch %d: pixels differ from the whole batch's", s, k)
			}
		}
	}
	if _, err := NewLoader(context.Background(), src, Config{BatchSize: 20, Size: 16, Shard: 0, Shards: 3}); err == nil {
		t.Error("3 shards of 20 from 50 items accepted")
	}
	if _, err := NewLoader(context.Background(), src, Config{BatchSize: 2, Size: 16, Shard: 3, Shards: 3}); err == nil {
		t.Error("shard 3 of 3 accepted")
	}
}
