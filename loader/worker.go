package loader

import (
	"fmt"
	"sync/atomic"
)

// worker decodes and transforms items with its own scratch.
type worker struct {
	l   *Loader
	t   *Transform
	img Image
}

// run fills jobs until the Loader stops.
func (w *worker) run() {
	defer w.l.wg.Done()
	for {
		select {
		case j := <-w.l.jobs:
			if err := w.fill(j.b, j.lo, j.hi); err != nil {
				j.b.fail(err)
			}
			if j.b.left.Add(-1) == 0 {
				j.b.done <- struct{}{}
			}
		case <-w.l.ctx.Done():
			return
		}
	}
}

// fill loads and transforms the items of slots [lo, hi) of b.
func (w *worker) fill(b *Batch, lo, hi int) error {
	l := w.l
	perm := newPermutation(l.src.Len(), l.cfg.Seed, b.Epoch, l.cfg.Shuffle)
	for slot := lo; slot < hi; slot++ {
		pos := (b.Step*l.cfg.Shards+l.cfg.Shard)*l.cfg.BatchSize + slot
		item, label, err := w.load(&perm, pos)
		if err != nil {
			return err
		}
		rng := ItemRNG(l.cfg.Seed, b.Epoch, pos)
		if err := w.t.Apply(b.Images[slot*l.sample:(slot+1)*l.sample], &w.img, &rng); err != nil {
			return fmt.Errorf("loader: %s: %w", itemName(l.src, item), err)
		}
		b.Labels[slot] = int32(label)
		b.Items[slot] = item
	}
	return nil
}

// load decodes the item at position pos of the epoch's order into w.img.
// A bad item is replaced by the next good one in the order (wrapping
// around), so the slot's content depends only on the data, not on timing.
func (w *worker) load(perm *permutation, pos int) (item, label int, err error) {
	l := w.l
	n := l.src.Len()
	for k := range n {
		item = perm.at((pos + k) % n)
		if l.bad.has(item) {
			continue
		}
		label, err = l.src.Load(item, &w.img)
		if err == nil {
			return item, label, nil
		}
		if ie, ok := isItemError(err); ok {
			if l.bad.add(item) {
				l.warn("skipping " + ie.Error())
			}
			continue
		}
		return 0, 0, fmt.Errorf("loader: %s: %w", itemName(l.src, item), err)
	}
	return 0, 0, fmt.Errorf("loader: %s: none of its %d items can be read (see the warnings): check the data set", l.src.Name(), n)
}

// badSet marks the items found bad, lock-free.
type badSet struct {
	bits []atomic.Uint64
	n    atomic.Int64
}

func newBadSet(n int) badSet {
	return badSet{bits: make([]atomic.Uint64, (n+63)/64)}
}

func (s *badSet) has(i int) bool {
	return s.bits[i/64].Load()&(1<<(i%64)) != 0
}

// add marks item i and reports whether it was not marked before.
func (s *badSet) add(i int) bool {
	bit := uint64(1) << (i % 64)
	if s.bits[i/64].Or(bit)&bit != 0 {
		return false
	}
	s.n.Add(1)
	return true
}

func (s *badSet) count() int { return int(s.n.Load()) }
