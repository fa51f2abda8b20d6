package loader

import "github.com/mae-vk/mae-vk/internal/rng"

// Domain tags keep the streams derived for different purposes apart.
const (
	tagItem    = 0x6974656d5f726e67 // "item_rng"
	tagShuffle = 0x73687566666c6521 // "shuffle!"
)

// RNG is the loader's random generator, SplitMix64 (internal/rng): its
// stream is fixed by its seed alone, so augmentation is reproducible
// everywhere. The zero value is a valid generator. An RNG is not safe for
// concurrent use.
type RNG = rng.RNG

// NewRNG returns a generator seeded with seed.
func NewRNG(seed uint64) RNG { return rng.New(seed) }

// ItemRNG returns the generator for the item at position index of the given
// epoch: the same (seed, epoch, index) always gives the same stream,
// whichever goroutine draws from it.
func ItemRNG(seed uint64, epoch, index int) RNG {
	return rng.New(rng.Derive(seed, tagItem, uint64(epoch), uint64(index)))
}
