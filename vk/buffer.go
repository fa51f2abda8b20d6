package vk

import (
	"fmt"
	"unsafe"

	vkg "github.com/vulkan-go/vulkan"
)

// MemoryKind says where a buffer lives.
type MemoryKind int

const (
	// DeviceMemory is fastest for kernels; the host reaches it directly
	// when the device's memory is host-visible, through staging otherwise.
	DeviceMemory MemoryKind = iota
	// HostMemory is host-visible and coherent: for data the host writes or
	// reads every step (batches, losses) and for staging.
	HostMemory
)

// Buffer is a range of device memory seen by kernels as a storage buffer
// (or a texel buffer). Its size is in bytes.
type Buffer struct {
	Name string

	d      *Device
	buf    vkg.Buffer
	mem    allocation
	size   uint64 // bytes asked for
	vkSize uint64 // bytes of the VkBuffer: size rounded up to 4, plus 16 of slack
	kind   MemoryKind
}

const bufferUsage = vkg.BufferUsageStorageBufferBit | vkg.BufferUsageTransferSrcBit |
	vkg.BufferUsageTransferDstBit | vkg.BufferUsageUniformTexelBufferBit | vkg.BufferUsageStorageTexelBufferBit

// NewBuffer makes a device buffer of size bytes (at least 1). Its contents
// are undefined until written.
func (d *Device) NewBuffer(name string, size int) (*Buffer, error) {
	return d.newBuffer(name, size, DeviceMemory)
}

// NewHostBuffer makes a host-visible, coherent buffer of size bytes.
func (d *Device) NewHostBuffer(name string, size int) (*Buffer, error) {
	return d.newBuffer(name, size, HostMemory)
}

func (d *Device) newBuffer(name string, size int, kind MemoryKind) (*Buffer, error) {
	if size < 1 {
		return nil, fmt.Errorf("vulkan: buffer %s: size %d bytes, need at least 1", name, size)
	}
	// 16 bytes of slack: a texel view may reach one texel past a span
	// (see texelView).
	b := &Buffer{Name: name, d: d, size: uint64(size), vkSize: (uint64(size)+3)&^3 + 16, kind: kind}
	if d.opts.DryRun {
		return b, nil // no memory, no VkBuffer
	}
	for _, h := range d.Info.Heaps {
		if b.vkSize <= h.Bytes {
			goto fits
		}
	}
	return nil, fmt.Errorf("vulkan: buffer %s: %d bytes is more than any memory heap of %s holds", name, size, d.Info.Name)
fits:
	var buf vkg.Buffer
	err := check("vkCreateBuffer", vkg.CreateBuffer(d.dev, &vkg.BufferCreateInfo{
		SType:       vkg.StructureTypeBufferCreateInfo,
		Size:        vkg.DeviceSize(b.vkSize),
		Usage:       vkg.BufferUsageFlags(bufferUsage),
		SharingMode: vkg.SharingModeExclusive,
	}, nil, &buf))
	b.buf = buf
	if err != nil {
		return nil, fmt.Errorf("buffer %s: %w", name, err)
	}
	var req vkg.MemoryRequirements
	vkg.GetBufferMemoryRequirements(d.dev, b.buf, &req)
	req.Deref()
	want, prefer := uint32(memDeviceLocal), uint32(memDeviceLocal)
	if kind == HostMemory {
		want, prefer = memHostVisible|memHostCoherent, memHostVisible|memHostCoherent|memHostCached
	}
	typeIdx, ok := d.mem.pickType(req.MemoryTypeBits, want, prefer)
	if !ok {
		b.Release()
		return nil, fmt.Errorf("vulkan: buffer %s: no memory type with flags %#x", name, want)
	}
	align := uint64(req.Alignment)
	if a := d.Info.StorageAlign; a > align {
		align = a
	}
	b.mem, err = d.mem.alloc(uint64(req.Size), align, typeIdx)
	if err != nil {
		b.Release()
		return nil, fmt.Errorf("buffer %s: %w", name, err)
	}
	if err := check("vkBindBufferMemory", vkg.BindBufferMemory(d.dev, b.buf, b.mem.block.mem, vkg.DeviceSize(b.mem.off))); err != nil {
		b.Release()
		return nil, fmt.Errorf("buffer %s: %w", name, err)
	}
	d.live.Add(1)
	return b, nil
}

// Size is the buffer's size in bytes.
func (b *Buffer) Size() int { return int(b.size) }

// HostVisible reports whether Mapped can be used.
func (b *Buffer) HostVisible() bool {
	return b.mem.block != nil && b.mem.block.mapped != nil && (b.kind == HostMemory || !b.d.opts.Staging)
}

// Mapped returns the buffer's bytes as the host sees them, or nil when the
// buffer is not host-visible. The device must not be using the buffer while
// the host touches it.
func (b *Buffer) Mapped() []byte {
	if !b.HostVisible() {
		return nil
	}
	p := unsafe.Add(b.mem.block.mapped, b.mem.off)
	return unsafe.Slice((*byte)(p), b.size)
}

// Write copies src into the buffer at byte offset off, waiting for the copy
// when it goes through staging. No submitted work may use the buffer.
func (b *Buffer) Write(off int, src []byte) error {
	if off < 0 || off+len(src) > int(b.size) {
		return fmt.Errorf("vulkan: write %d bytes at %d into buffer %s of %d bytes", len(src), off, b.Name, b.size)
	}
	if len(src) == 0 || b.d.opts.DryRun {
		return nil
	}
	if m := b.Mapped(); m != nil {
		copy(m[off:], src)
		return nil
	}
	return b.staged(off, len(src), func(stage []byte) { copy(stage, src) }, true)
}

// Read copies len(dst) bytes from byte offset off of the buffer into dst.
func (b *Buffer) Read(off int, dst []byte) error {
	if off < 0 || off+len(dst) > int(b.size) {
		return fmt.Errorf("vulkan: read %d bytes at %d from buffer %s of %d bytes", len(dst), off, b.Name, b.size)
	}
	if len(dst) == 0 || b.d.opts.DryRun {
		return nil
	}
	if m := b.Mapped(); m != nil {
		copy(dst, m[off:])
		return nil
	}
	return b.staged(off, len(dst), func(stage []byte) { copy(dst, stage) }, false)
}

// staged moves n bytes between b and a temporary host buffer.
func (b *Buffer) staged(off, n int, host func([]byte), toDevice bool) error {
	// Copies need 4-byte aligned offsets and sizes: widen, and keep the
	// neighbouring bytes by reading them first.
	lo, hi := off&^3, (off+n+3)&^3
	if hi > int(b.vkSize) {
		hi = int(b.vkSize)
	}
	stage, err := b.d.NewHostBuffer(b.Name+" staging", hi-lo)
	if err != nil {
		return err
	}
	defer stage.Release()
	rec, err := b.d.NewRecording()
	if err != nil {
		return err
	}
	defer rec.Release()
	if toDevice && (lo != off || hi != off+n) {
		pre, err := b.d.NewRecording()
		if err != nil {
			return err
		}
		pre.Copy(stage.Span(0, hi-lo), b.Span(lo, hi-lo))
		err = pre.Run()
		pre.Release()
		if err != nil {
			return err
		}
	}
	if toDevice {
		host(stage.Mapped()[off-lo : off-lo+n])
		rec.Copy(b.Span(lo, hi-lo), stage.Span(0, hi-lo))
		return rec.Run()
	}
	rec.Copy(stage.Span(0, hi-lo), b.Span(lo, hi-lo))
	if err := rec.Run(); err != nil {
		return err
	}
	host(stage.Mapped()[off-lo : off-lo+n])
	return nil
}

// Release destroys the buffer and returns its memory. The device must be
// done with it. Release is safe to call twice.
func (b *Buffer) Release() {
	if b == nil || b.d == nil {
		return
	}
	if b.buf != nil {
		vkg.DestroyBuffer(b.d.dev, b.buf, nil)
		b.buf = nil
	}
	if b.mem.block != nil {
		b.d.mem.free(b.mem)
		b.d.live.Add(-1)
	}
	b.mem = allocation{}
	b.d = nil
}

// Span is a byte range of a buffer, as bound to a kernel.
type Span struct {
	Buf    *Buffer
	Offset int
	Size   int
}

// Span returns bytes [off, off+size) of b.
func (b *Buffer) Span(off, size int) Span {
	if off < 0 || size < 0 || off+size > int(b.vkSize) {
		panic(fmt.Sprintf("vk: span [%d, %d) outside buffer %s of %d bytes", off, off+size, b.Name, b.size))
	}
	return Span{Buf: b, Offset: off, Size: size}
}

// Whole is all of b.
func (b *Buffer) Whole() Span { return Span{Buf: b, Size: int(b.vkSize)} }

// Binding is what a kernel's descriptor takes: a *Buffer or a Span.
type Binding interface{ span() Span }

func (b *Buffer) span() Span { return b.Whole() }
func (s Span) span() Span    { return s }
