// Package rng is mae-vk's one random generator: SplitMix64, whose stream
// is fixed by its seed alone (it does not depend on math/rand), so that
// initialisation, masking, augmentation and benchmark data come out the
// same on every machine and Go version.
package rng

import (
	"math"
	"math/bits"
)

// golden is 2^64 divided by the golden ratio, the SplitMix64 increment.
const golden = 0x9e3779b97f4a7c15

// RNG is a SplitMix64 generator. The zero value is a valid generator
// (seed 0). An RNG is not safe for concurrent use.
type RNG struct {
	state uint64
}

// New returns a generator seeded with seed.
func New(seed uint64) RNG {
	return RNG{state: seed}
}

// Mix64 is the SplitMix64 finalizer: a bijection on uint64 that spreads
// every input bit over every output bit.
//
//	z = (z ^ z>>30)·0xbf58476d1ce4e5b9;  z = (z ^ z>>27)·0x94d049bb133111eb;  z ^ z>>31
func Mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Derive hashes a seed and a list of keys into one 64-bit value, for
// seeding independent streams (per item, per step). The result depends only
// on its arguments.
func Derive(seed uint64, keys ...uint64) uint64 {
	h := Mix64(seed + golden)
	for _, k := range keys {
		h = Mix64(h ^ Mix64(k+golden))
	}
	return h
}

// Uint64 returns the next 64 random bits: state += golden; Mix64(state).
func (r *RNG) Uint64() uint64 {
	r.state += golden
	return Mix64(r.state)
}

// Float64 returns a uniform value in [0, 1) with 53 random bits.
func (r *RNG) Float64() float64 {
	return float64(r.Uint64()>>11) * 0x1p-53
}

// Uniform returns a uniform value in [lo, hi).
func (r *RNG) Uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*r.Float64()
}

// Normal returns a standard normal value by the Box–Muller transform (one
// value per two uniforms, the sine branch discarded):
//
//	z = √(−2 ln u1) · cos(2π u2),  u1 ∈ (0, 1], u2 ∈ [0, 1)
func (r *RNG) Normal() float64 {
	u1 := 1 - r.Float64()
	u2 := r.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Intn returns a uniform integer in [0, n) without modulo bias (Lemire's
// multiply-and-reject method). It panics if n <= 0.
func (r *RNG) Intn(n int) int {
	if n <= 0 {
		panic("rng: Intn: n <= 0")
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
