package loader

import (
	"errors"
	"fmt"
	"log"
)

// Source is a data set: a fixed list of items, each a picture and a class
// label. Sources are opened with Open and are safe for concurrent use by
// several goroutines, as long as each passes its own Image to Load.
type Source interface {
	// Name identifies the data set in logs, e.g. "fashion-mnist/train".
	Name() string
	// Len is the number of items; it is at least 1.
	Len() int
	// Shape is the channels (1 or 3) and size of the items. h and w are 0
	// when items differ in size (image folders), and c is then the channel
	// count of the statistics; a decoded item may still be gray.
	Shape() (c, h, w int)
	// NumClasses is the number of classes; labels are in [0, NumClasses).
	// It is 0 for unlabeled data, whose labels are all 0.
	NumClasses() int
	// Stats is the normalization for the source's channels (Shape's c).
	Stats() Stats
	// Load decodes item i (0 <= i < Len) into dst, reusing dst's memory,
	// and returns its label. An item that cannot be read or decoded gives
	// an *ItemError, which the Loader skips; any other error is fatal.
	Load(i int, dst *Image) (label int, err error)
}

// Pather is implemented by sources whose items are files; Path names the
// file of item i, for messages.
type Pather interface {
	Path(i int) string
}

// ItemError reports one item that cannot be used: a file that is
// unreadable, empty, truncated or not a picture. The Loader skips such items
// with one warning each.
type ItemError struct {
	Path string // the file
	Err  error  // what is wrong with it
}

// Error implements error.
func (e *ItemError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *ItemError) Unwrap() error { return e.Err }

// ErrTooSmall is wrapped by the error for a picture smaller than the crop
// in eval mode (augment none), which never enlarges pictures.
var ErrTooSmall = errors.New("image smaller than the crop size")

// Options tunes Open.
type Options struct {
	// Warn receives one line for each problem Open works around (missing
	// CIFAR batches, pictures outside class folders, a split that does not
	// exist). Nil logs to stderr with the log package.
	Warn func(string)
}

func (o Options) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if o.Warn != nil {
		o.Warn(msg)
		return
	}
	log.Print("loader: warning: " + msg)
}

// Split selects the training or the test part of a data set.
type Split string

// The splits. Open also accepts "val" for SplitTest, and "" for SplitTrain.
const (
	SplitTrain Split = "train"
	SplitTest  Split = "test"
)

// ParseSplit turns "train", "test" or "val" (and "", meaning train) into a
// Split.
func ParseSplit(s string) (Split, error) {
	switch s {
	case "", "train":
		return SplitTrain, nil
	case "test", "val":
		return SplitTest, nil
	}
	return "", fmt.Errorf("unknown split %q: use train or test", s)
}
