package loader

import "fmt"

// Subset returns the first n items of src (all of them when n is 0 or at
// least src.Len()), for short runs on part of a data set.
func Subset(src Source, n int) (Source, error) {
	if n < 0 {
		return nil, fmt.Errorf("loader: subset of %d items: must not be negative", n)
	}
	if n == 0 || n >= src.Len() {
		return src, nil
	}
	return subset{src, n}, nil
}

type subset struct {
	Source
	n int
}

func (s subset) Len() int     { return s.n }
func (s subset) Name() string { return fmt.Sprintf("%s[:%d]", s.Source.Name(), s.n) }
