package loader

import "fmt"

// Pad returns src made n items long by repeating its first items (item i
// is item i mod src.Len()), so that the last partial batch of an
// evaluation can run at the full batch size; the caller counts only the
// first src.Len() items. n at most src.Len() returns src.
func Pad(src Source, n int) (Source, error) {
	if src.Len() == 0 {
		return nil, fmt.Errorf("loader: padding %s: it holds no items", src.Name())
	}
	if n <= src.Len() {
		return src, nil
	}
	return padded{src, n}, nil
}

type padded struct {
	Source
	n int
}

func (s padded) Len() int { return s.n }

func (s padded) Load(i int, dst *Image) (int, error) {
	return s.Source.Load(i%s.Source.Len(), dst)
}
