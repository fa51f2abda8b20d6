package shaders

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// Binding is how a variant declares one descriptor binding, and so how the
// dispatcher binds it and derives barriers from it.
type Binding uint8

// Binding kinds, each matching one GLSL declaration.
const (
	In    Binding = iota + 1 // readonly buffer
	Out                      // writeonly buffer
	InOut                    // buffer (read and written)
	Texel                    // uniform samplerBuffer of vec4, read only
)

// String names the binding kind as the table spells it.
func (b Binding) String() string {
	switch b {
	case In:
		return "In"
	case Out:
		return "Out"
	case InOut:
		return "InOut"
	case Texel:
		return "Texel"
	}
	return fmt.Sprintf("Binding(%d)", uint8(b))
}

// Lookup returns the variant called name, or an error saying that the table
// has no such entry.
func Lookup(name string) (Variant, error) {
	i := sort.Search(len(Variants), func(i int) bool { return Variants[i].Name >= name })
	if i < len(Variants) && Variants[i].Name == name {
		return Variants[i], nil
	}
	for _, v := range Variants { // in case the table is not sorted
		if v.Name == name {
			return v, nil
		}
	}
	return Variant{}, fmt.Errorf("shader variant %q is not in shaders.Variants (shaders/variants.go)", name)
}

// PushSize is the size in bytes of the variant's push-constant block,
// computed from its Go struct (0 when it has none).
func (v Variant) PushSize() int {
	if v.Push == nil {
		return 0
	}
	n := binary.Size(v.Push)
	if n < 0 {
		panic(fmt.Sprintf("shaders: variant %s: push struct %T has fields of no fixed size", v.Name, v.Push))
	}
	return n
}
