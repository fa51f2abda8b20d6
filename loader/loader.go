package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"sync"
)

// Loader delivers a source's items as batches of transformed tensors,
// decoded ahead of time by worker goroutines into a fixed pool of reusable
// batch buffers. Batch k of epoch e holds the items at positions
// k*B … k*B+B-1 of epoch e's order; what each slot holds, and its
// augmentation, depend only on (Seed, epoch, position), never on the
// number of workers or on timing.
//
// The consumer calls Next, uses the batch and calls Release; one goroutine
// should call Next. After the pool is warm, a Loader over an in-memory
// source (IDX, CIFAR) allocates nothing per batch.
type Loader struct {
	src    Source
	cfg    Config
	steps  int
	sample int // values per item: C*S*S
	norm   Stats
	chunk  int // items per job

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	free    chan *Batch // buffers ready to fill
	pending chan *Batch // buffers being filled, in delivery order
	jobs    chan job

	bad    badSet
	warnMu sync.Mutex

	err error // sticky result of Next, consumer side only
}

// job asks a worker to fill slots [lo, hi) of a batch.
type job struct {
	b      *Batch
	lo, hi int
}

// NewLoader starts the workers of a Loader over src. Cancelling ctx, or
// Close, stops them; Close must be called in any case.
func NewLoader(ctx context.Context, src Source, cfg Config) (*Loader, error) {
	cfg, err := cfg.withDefaults(src)
	if err != nil {
		return nil, err
	}
	norm, err := src.Stats().ForChannels(cfg.Channels)
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", src.Name(), err)
	}
	tr, err := NewTransform(cfg.Size, cfg.Channels, cfg.Augment, norm)
	if err != nil {
		return nil, err
	}
	l := &Loader{
		src:     src,
		cfg:     cfg,
		steps:   src.Len() / (cfg.BatchSize * cfg.Shards),
		sample:  cfg.Channels * cfg.Size * cfg.Size,
		norm:    norm,
		chunk:   max(1, (cfg.BatchSize+2*cfg.Workers-1)/(2*cfg.Workers)),
		free:    make(chan *Batch, cfg.Buffers),
		pending: make(chan *Batch, cfg.Buffers),
		jobs:    make(chan job, cfg.Workers),
		bad:     newBadSet(src.Len()),
	}
	for range cfg.Buffers {
		l.free <- &Batch{
			Images: make([]float32, cfg.BatchSize*l.sample),
			Labels: make([]int32, cfg.BatchSize),
			Items:  make([]int, cfg.BatchSize),
			l:      l,
			done:   make(chan struct{}, 1),
		}
	}
	l.ctx, l.cancel = context.WithCancel(ctx)
	_, h, w := src.Shape()
	for range cfg.Workers {
		wk := &worker{l: l, t: tr.Clone()}
		if h > 0 && w > 0 {
			wk.t.Reserve(h, w)
		}
		l.wg.Add(1)
		go wk.run()
	}
	l.wg.Add(1)
	go l.dispatch()
	return l, nil
}

// dispatch hands out free buffers in order, split into jobs.
func (l *Loader) dispatch() {
	defer l.wg.Done()
	seq := l.cfg.StartEpoch*l.steps + l.cfg.StartStep
	end := -1
	if l.cfg.Epochs > 0 {
		end = l.cfg.Epochs * l.steps
	}
	for ; end < 0 || seq < end; seq++ {
		var b *Batch
		select {
		case b = <-l.free:
		case <-l.ctx.Done():
			return
		}
		b.Epoch, b.Step = seq/l.steps, seq%l.steps
		b.err = nil
		b.left.Store(int32((l.cfg.BatchSize + l.chunk - 1) / l.chunk))
		l.pending <- b // never blocks: it has room for every buffer
		for lo := 0; lo < l.cfg.BatchSize; lo += l.chunk {
			select {
			case l.jobs <- job{b: b, lo: lo, hi: min(lo+l.chunk, l.cfg.BatchSize)}:
			case <-l.ctx.Done():
				return
			}
		}
	}
	close(l.pending)
}

// Next returns the next batch, waiting for it if need be. It returns
// io.EOF after the last batch of epoch Epochs-1, the context's error once it
// is cancelled, and the error of an item that could not be used (other than
// a bad file, which is skipped); every error is final. Next waits for a
// Release when the consumer holds every buffer of the pool (Buffers), so
// holding them all and calling Next again deadlocks.
func (l *Loader) Next() (*Batch, error) {
	if l.err != nil {
		return nil, l.err
	}
	if err := l.ctx.Err(); err != nil {
		l.err = err
		return nil, err
	}
	var b *Batch
	select {
	case p, ok := <-l.pending:
		if !ok {
			l.err = io.EOF
			return nil, l.err
		}
		b = p
	case <-l.ctx.Done():
		l.err = l.ctx.Err()
		return nil, l.err
	}
	select {
	case <-b.done:
	case <-l.ctx.Done():
		l.err = l.ctx.Err()
		return nil, l.err
	}
	if b.err != nil {
		l.err = b.err
		l.cancel()
		return nil, l.err
	}
	b.out = true
	return b, nil
}

// Close stops the workers and waits for them to exit. Batches already
// returned by Next stay valid; releasing them after Close is harmless.
// Calling Close more than once is harmless.
func (l *Loader) Close() error {
	l.cancel()
	l.wg.Wait()
	return nil
}

// StepsPerEpoch is the number of batches in an epoch: Len / (BatchSize·Shards).
func (l *Loader) StepsPerEpoch() int { return l.steps }

// Config returns the configuration with its defaults filled in.
func (l *Loader) Config() Config { return l.cfg }

// Stats returns the normalization applied, per model channel, for the
// model to undo with Stats.Denormalize.
func (l *Loader) Stats() Stats {
	out, _ := l.norm.ForChannels(len(l.norm.Mean))
	return out
}

// BadItems is the number of distinct items skipped so far because they
// could not be read or decoded.
func (l *Loader) BadItems() int { return l.bad.count() }

// warn reports a skipped item through the Warn hook, one call at a time.
func (l *Loader) warn(msg string) {
	l.warnMu.Lock()
	defer l.warnMu.Unlock()
	if l.cfg.Warn != nil {
		l.cfg.Warn(msg)
		return
	}
	log.Print("loader: warning: " + msg)
}

// itemName names item i for messages.
func itemName(src Source, i int) string {
	if p, ok := src.(Pather); ok {
		return p.Path(i)
	}
	return fmt.Sprintf("%s item %d", src.Name(), i)
}

// isItemError reports whether err marks a bad item to skip.
func isItemError(err error) (*ItemError, bool) {
	var ie *ItemError
	ok := errors.As(err, &ie)
	return ie, ok
}
