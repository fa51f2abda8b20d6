package loader

import (
	"sync"
	"sync/atomic"
)

// Batch is one batch of a Loader. Its slices belong to the Loader's pool:
// they are valid until Release, after which the Loader refills them.
type Batch struct {
	Epoch int // epoch of the batch
	Step  int // index of the batch within its epoch

	// Images holds BatchSize tensors of C×S×S values, one after the other,
	// each planar and normalized.
	Images []float32
	// Labels holds the class of each item (0 for unlabeled data).
	Labels []int32
	// Items holds the source index of each item, for tracing.
	Items []int

	l    *Loader
	left atomic.Int32  // jobs still running
	done chan struct{} // receives once all jobs are done
	mu   sync.Mutex
	err  error // first fatal error of a job
	out  bool  // held by the consumer
}

// Release gives the batch back to the Loader's pool. It panics when the
// batch is released twice.
func (b *Batch) Release() {
	if !b.out {
		panic("loader: Batch.Release: batch released twice or not obtained from Next")
	}
	b.out = false
	b.l.free <- b // never blocks: the pool has room for every buffer
}

// fail records the first fatal error of a job.
func (b *Batch) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
}
