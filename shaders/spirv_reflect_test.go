package shaders

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// spvMember is one member of a push-constant block as the SPIR-V declares it.
type spvMember struct {
	Type   string // "u32", "i32", "f32", or another type's description
	Offset uint32
}

// spvBinding is one descriptor binding of set 0 as the SPIR-V declares it.
type spvBinding struct {
	Binding     uint32
	Set         uint32
	Storage     bool // a storage buffer
	Texel       bool // a uniform texel buffer (textureBuffer)
	NonWritable bool // readonly
	NonReadable bool // writeonly
}

// spvInterface is what a compiled module expects from the Go side.
type spvInterface struct {
	Push     []spvMember // nil: no push-constant block
	PushSize uint32      // bytes the block spans (last offset + member size)
	Bindings []spvBinding
}

// reflectSPIRV reads the push-constant block and the descriptor bindings of
// a compute module: enough of the SPIR-V grammar for what glslc emits.
func reflectSPIRV(code []byte) (spvInterface, error) {
	const (
		opTypeInt, opTypeFloat, opTypeVector, opTypeImage = 21, 22, 23, 25
		opTypeSampledImage, opTypeStruct, opTypePointer   = 27, 30, 32
		opVariable                                        = 59
		opDecorate, opMemberDecorate                      = 71, 72
		decBufferBlock, decNonWritable, decNonReadable    = 3, 24, 25
		decBinding, decSet, decOffset                     = 33, 34, 35
		scUniformConstant, scUniform, scPush, scStorage   = 0, 2, 9, 12
		dimBuffer                                         = 5
	)
	var out spvInterface
	if len(code) < 20 || len(code)%4 != 0 || binary.LittleEndian.Uint32(code) != 0x07230203 {
		return out, fmt.Errorf("not a little-endian SPIR-V module")
	}
	words := make([]uint32, len(code)/4)
	for i := range words {
		words[i] = binary.LittleEndian.Uint32(code[4*i:])
	}
	types := map[uint32]string{}
	structs := map[uint32][]uint32{}
	images := map[uint32][2]uint32{}   // dim, sampled
	pointers := map[uint32][2]uint32{} // storage class, pointee
	decorations := map[uint32]map[uint32]uint32{}
	memberDecor := map[[2]uint32]map[uint32]uint32{}
	type variable struct{ id, ptr, class uint32 }
	var variables []variable
	decorate := func(m map[uint32]uint32, dec uint32, args []uint32) {
		v := uint32(1)
		if len(args) > 0 {
			v = args[0]
		}
		m[dec] = v
	}
	for i := 5; i < len(words); {
		count, op := int(words[i]>>16), words[i]&0xffff
		if count == 0 || i+count > len(words) {
			return out, fmt.Errorf("malformed instruction at word %d", i)
		}
		w := words[i : i+count]
		switch op {
		case opTypeInt:
			types[w[1]] = fmt.Sprintf("%s%d", map[uint32]string{0: "u", 1: "i"}[w[3]], w[2])
		case opTypeFloat:
			types[w[1]] = fmt.Sprintf("f%d", w[2])
		case opTypeVector:
			types[w[1]] = fmt.Sprintf("vec%d<%s>", w[3], types[w[2]])
		case opTypeImage:
			images[w[1]] = [2]uint32{w[3], w[7]}
		case opTypeSampledImage: // samplerBuffer: the image it samples
			if img, ok := images[w[2]]; ok {
				images[w[1]] = img
			}
		case opTypeStruct:
			structs[w[1]] = append([]uint32(nil), w[2:]...)
		case opTypePointer:
			pointers[w[1]] = [2]uint32{w[2], w[3]}
		case opVariable:
			variables = append(variables, variable{w[2], w[1], w[3]})
		case opDecorate:
			if decorations[w[1]] == nil {
				decorations[w[1]] = map[uint32]uint32{}
			}
			decorate(decorations[w[1]], w[2], w[3:])
		case opMemberDecorate:
			key := [2]uint32{w[1], w[2]}
			if memberDecor[key] == nil {
				memberDecor[key] = map[uint32]uint32{}
			}
			decorate(memberDecor[key], w[3], w[4:])
		}
		i += count
	}
	// allMembers reports whether every member of struct s has decoration dec.
	allMembers := func(s, dec uint32) bool {
		members := structs[s]
		for k := range members {
			if _, ok := memberDecor[[2]uint32{s, uint32(k)}][dec]; !ok {
				return false
			}
		}
		return len(members) > 0
	}
	for _, v := range variables {
		pointee := pointers[v.ptr][1]
		switch {
		case v.class == scPush:
			members, ok := structs[pointee]
			if !ok {
				return out, fmt.Errorf("push-constant variable %d is not a struct", v.id)
			}
			out.Push = []spvMember{}
			for k, m := range members {
				off, ok := memberDecor[[2]uint32{pointee, uint32(k)}][decOffset]
				if !ok {
					return out, fmt.Errorf("push-constant member %d has no offset", k)
				}
				t, ok := types[m]
				if !ok {
					t = fmt.Sprintf("type %d", m)
				}
				out.Push = append(out.Push, spvMember{t, off})
				size := uint32(4)
				if t == "u16" || t == "i16" || t == "f16" {
					size = 2
				}
				out.PushSize = max(out.PushSize, off+size)
			}
		case v.class == scStorage || v.class == scUniform || v.class == scUniformConstant:
			d := decorations[v.id]
			binding, hasBinding := d[decBinding]
			if !hasBinding {
				continue
			}
			b := spvBinding{Binding: binding, Set: d[decSet]}
			_, bufferBlock := decorations[pointee][decBufferBlock]
			img, isImage := images[pointee]
			switch {
			case v.class == scStorage || (v.class == scUniform && bufferBlock):
				b.Storage = true
				_, nw := d[decNonWritable]
				_, nr := d[decNonReadable]
				b.NonWritable = nw || allMembers(pointee, decNonWritable)
				b.NonReadable = nr || allMembers(pointee, decNonReadable)
			case v.class == scUniformConstant && isImage && img[0] == dimBuffer && img[1] == 1:
				b.Texel, b.NonWritable = true, true
			default:
				return out, fmt.Errorf("binding %d: a kind mae-vk does not bind (storage class %d)", binding, v.class)
			}
			// Variables aliasing one binding (a buffer seen as scalars and
			// as vectors) are one binding: the same kind, read-only or
			// write-only only if each view is.
			merged := false
			for i := range out.Bindings {
				if o := &out.Bindings[i]; o.Binding == b.Binding && o.Set == b.Set {
					if o.Storage != b.Storage || o.Texel != b.Texel {
						return out, fmt.Errorf("binding %d: declared twice as different kinds", binding)
					}
					o.NonWritable = o.NonWritable && b.NonWritable
					o.NonReadable = o.NonReadable && b.NonReadable
					merged = true
				}
			}
			if !merged {
				out.Bindings = append(out.Bindings, b)
			}
		}
	}
	sort.Slice(out.Bindings, func(i, j int) bool { return out.Bindings[i].Binding < out.Bindings[j].Binding })
	return out, nil
}
