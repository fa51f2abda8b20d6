package mae

import "fmt"

// NewLayoutFrom lays out the given tensors (Name, Shape, Trainable and
// WeightDecay set; Offset ignored) in order, each at an offset aligned to
// ParamAlign, for models other than the MAE (the fine-tuning classifier).
// Trainable tensors must come first; TrainableLen ends after the last one.
func NewLayoutFrom(tensors []Tensor) (*Layout, error) {
	l := &Layout{index: map[string]int{}}
	off, fixed := 0, false
	for _, t := range tensors {
		if _, dup := l.index[t.Name]; dup {
			return nil, fmt.Errorf("mae: layout: tensor %q twice", t.Name)
		}
		if t.Trainable && fixed {
			return nil, fmt.Errorf("mae: layout: trainable tensor %q after a fixed one", t.Name)
		}
		if !t.Trainable && !fixed {
			fixed, l.TrainableLen = true, off
		}
		t.Offset = off
		l.index[t.Name] = len(l.Tensors)
		l.Tensors = append(l.Tensors, t)
		off = alignUp(off+t.Len(), ParamAlign)
	}
	if !fixed {
		l.TrainableLen = off
	}
	l.Len = off
	return l, nil
}
