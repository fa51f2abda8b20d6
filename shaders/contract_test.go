package shaders

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// maxPushBytes is the push-constant size every Vulkan device must offer
// (maxPushConstantsSize ≥ 128).
const maxPushBytes = 128

// TestContract walks every variant of the table and checks its contract
// against the compiled SPIR-V: each push member's offset and type against
// the Go struct, the block within 128 bytes, and the bindings of set 0 (how
// many, numbered 0..n-1, and each one's kind and access).
func TestContract(t *testing.T) {
	names := map[string]bool{}
	for _, v := range Variants {
		if names[v.Name] {
			t.Errorf("variant %s is in the table twice", v.Name)
		}
		names[v.Name] = true
		code, err := SPIRV(v.Name)
		if err != nil {
			t.Error(err)
			continue
		}
		iface, err := reflectSPIRV(code)
		if err != nil {
			t.Errorf("%s: %v", v.Name, err)
			continue
		}
		for _, p := range checkContract(v, iface) {
			t.Errorf("%s: %s", v.Name, p)
		}
	}
	if !slices.IsSortedFunc(Variants, func(a, b Variant) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("shaders.Variants is not sorted by name")
	}
}

// checkContract lists every disagreement between a variant's table entry
// and the interface its SPIR-V declares.
func checkContract(v Variant, iface spvInterface) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	switch {
	case v.Push == nil && iface.Push != nil:
		add("the SPIR-V has a push-constant block of %d bytes, the table names no push struct", iface.PushSize)
	case v.Push != nil && iface.Push == nil:
		add("the table names push struct %T, the SPIR-V has no push-constant block", v.Push)
	case v.Push != nil:
		problems = append(problems, checkPush(v.Push, iface)...)
		if size := v.PushSize(); size != int(iface.PushSize) {
			add("push struct %T is %d bytes, the SPIR-V block %d", v.Push, size, iface.PushSize)
		}
	}
	if iface.PushSize > maxPushBytes {
		add("push-constant block of %d bytes, over the %d every device allows", iface.PushSize, maxPushBytes)
	}
	if len(iface.Bindings) != len(v.Bindings) {
		add("%d bindings in the table, %d in the SPIR-V", len(v.Bindings), len(iface.Bindings))
	}
	for i, b := range iface.Bindings {
		if b.Set != 0 || b.Binding != uint32(i) {
			add("SPIR-V binding %d of set %d; mae-vk binds set 0, bindings 0..n-1", b.Binding, b.Set)
			continue
		}
		if i >= len(v.Bindings) {
			continue
		}
		if got := spvBindingKind(b); got != v.Bindings[i] {
			add("binding %d is %v in the table, %v in the SPIR-V", i, v.Bindings[i], got)
		}
	}
	return problems
}

// spvBindingKind is the table's name for what the SPIR-V declares.
func spvBindingKind(b spvBinding) Binding {
	switch {
	case b.Texel:
		return Texel
	case b.NonWritable && !b.NonReadable:
		return In
	case b.NonReadable && !b.NonWritable:
		return Out
	case !b.NonReadable && !b.NonWritable:
		return InOut
	}
	return 0 // readonly writeonly: nothing to bind
}

// checkPush compares the Go push struct member by member with the block.
func checkPush(push any, iface spvInterface) []string {
	var problems []string
	rt := reflect.TypeOf(push)
	if rt.Kind() != reflect.Struct {
		return []string{fmt.Sprintf("push %T is not a struct", push)}
	}
	if rt.NumField() != len(iface.Push) {
		problems = append(problems, fmt.Sprintf("push struct %v has %d fields, the SPIR-V block %d members",
			rt, rt.NumField(), len(iface.Push)))
	}
	for i := 0; i < min(rt.NumField(), len(iface.Push)); i++ {
		f, m := rt.Field(i), iface.Push[i]
		want, ok := map[reflect.Kind]string{reflect.Uint32: "u32", reflect.Int32: "i32", reflect.Float32: "f32"}[f.Type.Kind()]
		if !ok {
			problems = append(problems, fmt.Sprintf("field %v.%s is %v; push fields are uint32, int32 or float32", rt, f.Name, f.Type))
			continue
		}
		if want != m.Type {
			problems = append(problems, fmt.Sprintf("field %v.%s is %s, SPIR-V member %d is %s", rt, f.Name, want, i, m.Type))
		}
		if uint32(f.Offset) != m.Offset {
			problems = append(problems, fmt.Sprintf("field %v.%s at offset %d, SPIR-V member %d at %d", rt, f.Name, f.Offset, i, m.Offset))
		}
	}
	return problems
}

// TestContractCatchesMismatch feeds deliberately wrong contracts to the
// check TestContract runs and expects each to be reported.
func TestContractCatchesMismatch(t *testing.T) {
	type alphaAsUint struct { // GemmPush with Alpha a uint32
		M, N, K                   uint32
		StrideA, StrideB, StrideC uint32
		Alpha                     uint32
		Beta                      float32
		Flags                     uint32
	}
	type missingFlags struct {
		M, N, K                   uint32
		StrideA, StrideB, StrideC uint32
		Alpha, Beta               float32
	}
	good, err := Lookup("gemm_reg_nn_texel")
	if err != nil {
		t.Fatal(err)
	}
	iface, err := reflectSPIRV(MustSPIRV(good.Name))
	if err != nil {
		t.Fatal(err)
	}
	if p := checkContract(good, iface); len(p) > 0 {
		t.Fatalf("the right contract is reported wrong: %v", p)
	}
	for name, v := range map[string]Variant{
		"alpha as uint32": {Push: alphaAsUint{}, Bindings: good.Bindings},
		"missing field":   {Push: missingFlags{}, Bindings: good.Bindings},
		"no push struct":  {Bindings: good.Bindings},
		"a binding less":  {Push: good.Push, Bindings: good.Bindings[:4]},
		"texel as In":     {Push: good.Push, Bindings: []Binding{In, Texel, InOut, In, In}},
		"Out for InOut":   {Push: good.Push, Bindings: []Binding{Texel, Texel, Out, In, In}},
	} {
		if p := checkContract(v, iface); len(p) == 0 {
			t.Errorf("%s: not reported", name)
		}
	}
	big := spvInterface{Push: iface.Push, PushSize: 132, Bindings: iface.Bindings}
	if p := checkContract(good, big); len(p) == 0 {
		t.Error("a 132-byte push block not reported")
	}
}
