package analysis

import (
	"math"
	"slices"
)

// binner averages vectors of values by an integer key: the squared
// distance in patches, which takes exact integer values on a grid.
type binner struct {
	sums  map[int][]float64
	count map[int]int
}

func (b *binner) add(key int, v []float64) {
	if b.sums == nil {
		b.sums, b.count = map[int][]float64{}, map[int]int{}
	}
	s := b.sums[key]
	if s == nil {
		s = make([]float64, len(v))
		b.sums[key] = s
	}
	for i, x := range v {
		s[i] += x
	}
	b.count[key]++
}

// means returns the distances (√key, ascending), the counts and, for each
// of the k values, its mean per bin.
func (b *binner) means(k int) (dist []float64, count []int, vals [][]float64) {
	keys := make([]int, 0, len(b.sums))
	for key := range b.sums {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	vals = make([][]float64, k)
	for _, key := range keys {
		dist = append(dist, math.Sqrt(float64(key)))
		c := b.count[key]
		count = append(count, c)
		for i := range k {
			vals[i] = append(vals[i], b.sums[key][i]/float64(c))
		}
	}
	return dist, count, vals
}
