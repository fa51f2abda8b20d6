package loader

import "math/bits"

// golden is 2^64 divided by the golden ratio, the splitmix64 increment.
const golden = 0x9e3779b97f4a7c15

// Domain tags keep the streams derived for different purposes apart.
const (
	tagItem    = 0x6974656d5f726e67 // "item_rng"
	tagShuffle = 0x73687566666c6521 // "shuffle!"
)

// mix64 is the splitmix64 finalizer: a bijection on uint64 that spreads
// every input bit over every output bit.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// derive hashes a seed and a list of keys into one 64-bit value. The result
// depends only on its arguments, so it is the same on every machine and Go
// version.
func derive(seed uint64, keys ...uint64) uint64 {
	h := mix64(seed + golden)
	for _, k := range keys {
		h = mix64(h ^ mix64(k+golden))
	}
	return h
}

// RNG is a small splitmix64 generator. Its stream is fixed by its seed
// alone (it does not depend on math/rand), so augmentation is reproducible
// everywhere. The zero value is a valid generator. An RNG is not safe for
// concurrent use.
type RNG struct {
	state uint64
}

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) RNG {
	return RNG{state: seed}
}

// ItemRNG returns the generator for the item at position index of the given
// epoch: the same (seed, epoch, index) always gives the same stream,
// whichever goroutine draws from it.
func ItemRNG(seed uint64, epoch, index int) RNG {
	return RNG{state: derive(seed, tagItem, uint64(epoch), uint64(index))}
}

// Uint64 returns the next 64 random bits.
func (r *RNG) Uint64() uint64 {
	r.state += golden
	return mix64(r.state)
}

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (r *RNG) Float64() float64 {
	return float64(r.Uint64()>>11) * 0x1p-53
}

// Uniform returns a uniform value in [lo, hi).
func (r *RNG) Uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*r.Float64()
}

// Intn returns a uniform integer in [0, n) without modulo bias (Lemire's
// multiply-and-reject method). It panics if n <= 0.
func (r *RNG) Intn(n int) int {
	if n <= 0 {
		panic("loader: RNG.Intn: n <= 0")
	}
	bound := uint64(n)
	hi, lo := bits.Mul64(r.Uint64(), bound)
	if lo < bound {
		threshold := -bound % bound
		for lo < threshold {
			hi, lo = bits.Mul64(r.Uint64(), bound)
		}
	}
	return int(hi)
}
