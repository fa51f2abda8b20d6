package vk

import "unsafe"

// f32Bytes views a float32 slice as bytes (little-endian hosts only, like
// every Vulkan device mae-vk runs on).
func f32Bytes(v []float32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

func u32Bytes(v []uint32) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v))
}

// WriteFloat32 writes src at element offset off (in float32s).
func (b *Buffer) WriteFloat32(off int, src []float32) error { return b.Write(4*off, f32Bytes(src)) }

// ReadFloat32 reads len(dst) float32s from element offset off.
func (b *Buffer) ReadFloat32(off int, dst []float32) error { return b.Read(4*off, f32Bytes(dst)) }

// WriteUint32 writes src at element offset off (in uint32s).
func (b *Buffer) WriteUint32(off int, src []uint32) error { return b.Write(4*off, u32Bytes(src)) }

// ReadUint32 reads len(dst) uint32s from element offset off.
func (b *Buffer) ReadUint32(off int, dst []uint32) error { return b.Read(4*off, u32Bytes(dst)) }

// MappedFloat32 is Mapped viewed as float32s (nil when not host-visible).
func (b *Buffer) MappedFloat32() []float32 {
	m := b.Mapped()
	if len(m) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&m[0])), len(m)/4)
}

// MappedUint32 is Mapped viewed as uint32s (nil when not host-visible).
func (b *Buffer) MappedUint32() []uint32 {
	m := b.Mapped()
	if len(m) < 4 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&m[0])), len(m)/4)
}
