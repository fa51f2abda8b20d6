package loader

import (
	"context"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// drain reads every batch of l, copying what it holds.
func drain(t *testing.T, l *Loader) (images []float32, labels []int32, items []int, steps [][2]int) {
	t.Helper()
	for {
		b, err := l.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		images = append(images, b.Images...)
		labels = append(labels, b.Labels...)
		items = append(items, b.Items...)
		steps = append(steps, [2]int{b.Epoch, b.Step})
		b.Release()
	}
}

func TestPermutation(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 64, 100, 1000, 4097} {
		for epoch := range 3 {
			p := newPermutation(n, 42, epoch, true)
			seen := make([]bool, n)
			for i := range n {
				j := p.at(i)
				if j < 0 || j >= n || seen[j] {
					t.Fatalf("n=%d epoch %d: position %d gives %d twice or out of range", n, epoch, i, j)
				}
				seen[j] = true
			}
		}
		a, b := newPermutation(n, 42, 0, true), newPermutation(n, 42, 1, true)
		same := 0
		for i := range n {
			if a.at(i) == b.at(i) {
				same++
			}
		}
		if n >= 100 && same > n/10 {
			t.Errorf("n=%d: epochs 0 and 1 agree at %d positions", n, same)
		}
		id := newPermutation(n, 42, 0, false)
		if id.at(n-1) != n-1 {
			t.Errorf("n=%d: unshuffled order is not the identity", n)
		}
	}
	// Every item is about equally likely at position 0.
	counts := make([]int, 10)
	for epoch := range 10000 {
		p := newPermutation(10, 5, epoch, true)
		counts[p.at(0)]++
	}
	for k, c := range counts {
		if c < 850 || c > 1150 {
			t.Errorf("item %d first in %d of 10000 epochs", k, c)
		}
	}
}

func TestLoaderDeterministicAcrossWorkers(t *testing.T) {
	src := &memSource{n: 50, c: 3, h: 20, w: 24, vary: true, bad: map[int]bool{3: true, 17: true, 18: true}}
	run := func(workers int, seed uint64) ([]float32, []int32, []int) {
		l, err := NewLoader(context.Background(), src, Config{
			BatchSize: 8, Size: 16, Augment: AugmentMAE, Shuffle: true, Seed: seed, Workers: workers, Epochs: 2, Warn: func(string) {},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		img, lab, items, steps := drain(t, l)
		if len(steps) != 12 || steps[6] != [2]int{1, 0} {
			t.Fatalf("batches %v, want 2 epochs of 6", steps)
		}
		for _, it := range items {
			if src.bad[it] {
				t.Fatalf("bad item %d delivered", it)
			}
		}
		return img, lab, items
	}
	img1, lab1, items1 := run(1, 11)
	img4, lab4, items4 := run(4, 11)
	if !slices.Equal(items1, items4) || !slices.Equal(lab1, lab4) || !slices.Equal(img1, img4) {
		t.Error("1 and 4 workers give different batches")
	}
	_, _, items2 := run(4, 12)
	if slices.Equal(items1, items2) {
		t.Error("seeds 11 and 12 give the same order")
	}
}

func TestLoaderResume(t *testing.T) {
	src := &memSource{n: 40, c: 1, h: 28, w: 28}
	cfg := Config{BatchSize: 5, Augment: AugmentMAE, Shuffle: true, Seed: 3, Workers: 2, Epochs: 3}
	l, err := NewLoader(context.Background(), src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	full, _, _, _ := drain(t, l)
	l.Close()
	cfg.StartEpoch, cfg.StartStep = 1, 6
	l, err = NewLoader(context.Background(), src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	resumed, _, _, steps := drain(t, l)
	if steps[0] != [2]int{1, 6} || len(steps) != 10 {
		t.Fatalf("resumed batches %v", steps)
	}
	per := 5 * 28 * 28
	if !slices.Equal(resumed, full[14*per:]) {
		t.Error("resumed run differs from the tail of the full run")
	}
}

func TestLoaderNoAllocations(t *testing.T) {
	src := &memSource{n: 256, c: 1, h: 28, w: 28}
	l, err := NewLoader(context.Background(), src, Config{BatchSize: 16, Augment: AugmentMAE, Shuffle: true, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	step := func() {
		b, err := l.Next()
		if err != nil {
			t.Fatal(err)
		}
		b.Release()
	}
	for range 40 {
		step()
	}
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Errorf("%v allocations per batch, want 0", a)
	}
}

func TestLoaderCloseAndCancel(t *testing.T) {
	base := runtime.NumGoroutine()
	src := &memSource{n: 100, c: 3, h: 32, w: 32}
	// Close while workers are blocked on a full pool.
	l, err := NewLoader(context.Background(), src, Config{BatchSize: 10, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	l.Close()
	l.Close()
	if _, err := l.Next(); err == nil {
		t.Error("Next after Close succeeded")
	}
	// Cancel the context while a batch is held.
	ctx, cancel := context.WithCancel(context.Background())
	l, err = NewLoader(ctx, src, Config{BatchSize: 10, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Next()
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := l.Next(); !errors.Is(err, context.Canceled) {
		t.Errorf("Next after cancel: %v", err)
	}
	b.Release()
	l.Close()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("second Release did not panic")
			}
		}()
		b.Release()
	}()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Errorf("%d goroutines left running, had %d", n, base)
	}
}

func TestLoaderConfigErrors(t *testing.T) {
	src := &memSource{n: 10, c: 1, h: 28, w: 28}
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{BatchSize: 0}, "batch size 0"},
		{Config{BatchSize: 11}, "larger than"},
		{Config{BatchSize: 5, StartStep: 2}, "cannot start at epoch 0 step 2"},
		{Config{BatchSize: 5, Size: 32}, "use --image-size 28 or less"},
		{Config{BatchSize: 5, Channels: 2}, "must have 1 or 3"},
		{Config{BatchSize: 5, Buffers: 1}, "at least 2"},
	}
	for _, c := range cases {
		l, err := NewLoader(context.Background(), src, c.cfg)
		if err == nil {
			l.Close()
			t.Errorf("%+v: no error", c.cfg)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %q does not contain %q", c.cfg, err, c.want)
		}
	}
	if _, err := NewLoader(context.Background(), &memSource{n: 10, c: 3, h: 20, w: 20, vary: true}, Config{BatchSize: 2}); err == nil || !strings.Contains(err.Error(), "--image-size") {
		t.Errorf("folder without size: %v", err)
	}
	// Enlarging in MAE mode is allowed.
	l, err := NewLoader(context.Background(), src, Config{BatchSize: 5, Size: 32, Augment: AugmentMAE})
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}

func TestAllBadItems(t *testing.T) {
	src := &memSource{n: 4, c: 1, h: 8, w: 8, bad: map[int]bool{0: true, 1: true, 2: true, 3: true}}
	var warnings []string
	l, err := NewLoader(context.Background(), src, Config{BatchSize: 2, Workers: 1, Warn: func(s string) { warnings = append(warnings, s) }})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Next(); err == nil || !strings.Contains(err.Error(), "none of its 4 items") {
		t.Errorf("all items bad: %v", err)
	}
	if len(warnings) != 4 {
		t.Errorf("warnings %q", warnings)
	}
}

func TestBench(t *testing.T) {
	src := &memSource{n: 64, c: 1, h: 28, w: 28}
	res, err := Bench(context.Background(), src, Config{BatchSize: 16, Augment: AugmentMAE, Workers: 2}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if res.Batches != 10 || res.Images != 160 || res.ImagesPerSecond <= 0 || res.Workers != 2 || res.Size != 28 {
		t.Errorf("Bench = %+v", res)
	}
}
