package loader

import "github.com/mae-vk/mae-vk/internal/rng"

// feistelRounds is the number of rounds of the shuffle cipher; six rounds of
// a strong round function are plenty to hide any structure for SGD.
const feistelRounds = 6

// permutation is a seeded pseudo-random permutation of [0, n) evaluated one
// position at a time: a balanced Feistel network over the smallest
// even-bit power of two ≥ n, with cycle walking to stay below n (the scheme
// of TensorFlow's index_shuffle). It needs no memory proportional to n, so
// any epoch and any step can be reached directly, which is what resuming a
// run needs, and batches of several epochs can be in flight at once.
type permutation struct {
	n        uint64
	halfBits uint
	mask     uint64
	keys     [feistelRounds]uint64
	identity bool
}

// newPermutation returns the order of epoch for a data set of n items. With
// shuffle false it is the identity.
func newPermutation(n int, seed uint64, epoch int, shuffle bool) permutation {
	p := permutation{n: uint64(n), identity: !shuffle || n <= 1}
	if p.identity {
		return p
	}
	bits := uint(2)
	for uint64(1)<<bits < p.n {
		bits++
	}
	if bits%2 == 1 {
		bits++
	}
	p.halfBits = bits / 2
	p.mask = uint64(1)<<p.halfBits - 1
	for r := range p.keys {
		p.keys[r] = rng.Derive(seed, tagShuffle, uint64(epoch), uint64(r))
	}
	return p
}

// at returns the item placed at position i (0 <= i < n).
func (p *permutation) at(i int) int {
	if p.identity {
		return i
	}
	x := uint64(i)
	for {
		x = p.encrypt(x)
		if x < p.n {
			return int(x)
		}
	}
}

// encrypt is one pass of the Feistel network over the power-of-two domain.
func (p *permutation) encrypt(x uint64) uint64 {
	left, right := x>>p.halfBits, x&p.mask
	for _, k := range p.keys {
		left, right = right, left^(rng.Mix64(right^k)&p.mask)
	}
	return left<<p.halfBits | right
}
