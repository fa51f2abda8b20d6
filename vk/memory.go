package vk

import (
	"fmt"
	"sort"
	"sync"
	"unsafe"

	vkg "github.com/vulkan-go/vulkan"
)

// blockBytes is the size of one device-memory block; larger requests get a
// block of their own.
const blockBytes = 64 << 20

// memBlock is one vkAllocateMemory, carved into ranges.
type memBlock struct {
	mem      vkg.DeviceMemory
	size     uint64
	typeIdx  uint32
	mapped   unsafe.Pointer // non-nil when host-visible
	free     []memRange     // sorted by offset, coalesced
	inUse    uint64
	retained bool // keep when empty (the first block of each type)
}

type memRange struct{ off, size uint64 }

// allocator sub-allocates device memory from large blocks and tracks bytes
// in use and the peak. It is safe for concurrent use.
type allocator struct {
	d      *Device
	mu     sync.Mutex
	blocks []*memBlock
	inUse  uint64
	peak   uint64
	count  int // live allocations
}

// allocation is a range of a block.
type allocation struct {
	block *memBlock
	off   uint64
	size  uint64
}

func newAllocator(d *Device) *allocator { return &allocator{d: d} }

// MemoryStats are the device bytes held for buffers.
type MemoryStats struct {
	InUse  uint64 // bytes in live buffers
	Live   int    // live buffers
	Peak   uint64 // most bytes ever in use at once
	Blocks int    // device-memory allocations behind them
	Bytes  uint64 // bytes of device memory allocated
}

// MemoryStats reports the allocator's counters.
func (d *Device) MemoryStats() MemoryStats {
	a := d.mem
	a.mu.Lock()
	defer a.mu.Unlock()
	s := MemoryStats{InUse: a.inUse, Live: a.count, Peak: a.peak, Blocks: len(a.blocks)}
	for _, b := range a.blocks {
		s.Bytes += b.size
	}
	return s
}

// pickType finds a memory type in typeBits with all of want, preferring one
// that also has prefer.
func (a *allocator) pickType(typeBits, want, prefer uint32) (uint32, bool) {
	best, found := uint32(0), false
	for i, t := range a.d.Info.memTypes {
		if typeBits&(1<<uint(i)) == 0 || t.flags&want != want {
			continue
		}
		if t.flags&prefer == prefer {
			return uint32(i), true
		}
		if !found {
			best, found = uint32(i), true
		}
	}
	return best, found
}

// alloc returns size bytes aligned to align from a block of memory type typeIdx.
func (a *allocator) alloc(size, align uint64, typeIdx uint32) (allocation, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range a.blocks {
		if b.typeIdx != typeIdx {
			continue
		}
		if off, ok := b.take(size, align); ok {
			a.account(b, size)
			return allocation{block: b, off: off, size: size}, nil
		}
	}
	bsize := uint64(blockBytes)
	if size > bsize {
		bsize = (size + 65535) &^ 65535
	}
	heap := a.d.Info.memTypes[typeIdx].heap
	if hb := a.d.Info.Heaps[heap].Bytes; bsize > hb {
		if size > hb {
			return allocation{}, fmt.Errorf("vulkan: allocate %d bytes: larger than the %d-byte memory heap of %s",
				size, hb, a.d.Info.Name)
		}
		bsize = size
	}
	b, err := a.newBlock(bsize, typeIdx)
	if err != nil {
		return allocation{}, fmt.Errorf("vulkan: allocate %d bytes: %w", size, err)
	}
	off, _ := b.take(size, align)
	a.account(b, size)
	return allocation{block: b, off: off, size: size}, nil
}

func (a *allocator) account(b *memBlock, size uint64) {
	b.inUse += size
	a.inUse += size
	a.count++
	if a.inUse > a.peak {
		a.peak = a.inUse
	}
}

func (a *allocator) newBlock(size uint64, typeIdx uint32) (*memBlock, error) {
	var mem vkg.DeviceMemory
	err := check("vkAllocateMemory", vkg.AllocateMemory(a.d.dev, &vkg.MemoryAllocateInfo{
		SType:           vkg.StructureTypeMemoryAllocateInfo,
		AllocationSize:  vkg.DeviceSize(size),
		MemoryTypeIndex: typeIdx,
	}, nil, &mem))
	if err != nil {
		return nil, err
	}
	b := &memBlock{mem: mem, size: size, typeIdx: typeIdx, free: []memRange{{0, size}}}
	if a.d.Info.memTypes[typeIdx].flags&memHostVisible != 0 {
		var p unsafe.Pointer
		if err := check("vkMapMemory", vkg.MapMemory(a.d.dev, mem, 0, vkg.DeviceSize(vkg.WholeSize), 0, &p)); err != nil {
			vkg.FreeMemory(a.d.dev, mem, nil)
			return nil, err
		}
		b.mapped = p
	}
	b.retained = true
	for _, o := range a.blocks {
		if o.typeIdx == typeIdx && o.retained {
			b.retained = false
		}
	}
	a.blocks = append(a.blocks, b)
	return b, nil
}

// free returns an allocation; an empty block other than the first of its
// type goes back to the driver.
func (a *allocator) free(al allocation) {
	if al.block == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	b := al.block
	b.give(al.off, al.size)
	b.inUse -= al.size
	a.inUse -= al.size
	a.count--
	if b.inUse == 0 && !b.retained {
		a.release(b)
		for i, o := range a.blocks {
			if o == b {
				a.blocks = append(a.blocks[:i], a.blocks[i+1:]...)
				break
			}
		}
	}
}

func (a *allocator) release(b *memBlock) {
	if b.mapped != nil {
		vkg.UnmapMemory(a.d.dev, b.mem)
	}
	vkg.FreeMemory(a.d.dev, b.mem, nil)
}

func (a *allocator) destroy() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, b := range a.blocks {
		a.release(b)
	}
	a.blocks = nil
}

// take carves size bytes at an offset aligned to align (first fit).
func (b *memBlock) take(size, align uint64) (uint64, bool) {
	for i, r := range b.free {
		off := (r.off + align - 1) / align * align
		if off+size > r.off+r.size {
			continue
		}
		var rest []memRange
		if off > r.off {
			rest = append(rest, memRange{r.off, off - r.off})
		}
		if end := off + size; end < r.off+r.size {
			rest = append(rest, memRange{end, r.off + r.size - end})
		}
		b.free = append(b.free[:i], append(rest, b.free[i+1:]...)...)
		return off, true
	}
	return 0, false
}

// give returns a range and merges it with its neighbours.
func (b *memBlock) give(off, size uint64) {
	b.free = append(b.free, memRange{off, size})
	sort.Slice(b.free, func(i, j int) bool { return b.free[i].off < b.free[j].off })
	merged := b.free[:1]
	for _, r := range b.free[1:] {
		last := &merged[len(merged)-1]
		if last.off+last.size == r.off {
			last.size += r.size
		} else {
			merged = append(merged, r)
		}
	}
	b.free = merged
}

// footprintAlign bounds the alignment of a buffer's memory: Vulkan caps
// minStorageBufferOffsetAlignment at 256 bytes, and buffer memory
// requirements on the devices mae-vk meets ask for no more.
const footprintAlign = 256

// BufferFootprint is the device memory that a buffer of size bytes takes
// (NewBuffer's rounding and slack, aligned), for planning allocations
// before making them.
func BufferFootprint(size int) uint64 {
	s := (uint64(max(size, 1))+3)&^3 + 16
	return (s + footprintAlign - 1) &^ (footprintAlign - 1)
}

// DeviceMemoryHostVisible reports whether the host reaches device buffers
// directly (one memory for both, as on integrated GPUs and the CPU
// drivers), unless Options.Staging forces staging copies.
func (d *Device) DeviceMemoryHostVisible() bool {
	if d.opts.Staging {
		return false
	}
	for _, t := range d.Info.memTypes {
		if t.flags&memDeviceLocal != 0 {
			return t.flags&memHostVisible != 0
		}
	}
	return false
}
