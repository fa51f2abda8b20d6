package vk

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// PushBytes lays out v, a struct of 32-bit fields (int32, uint32, float32)
// or a pointer to one, as a push-constant block. std430 puts such fields
// back to back, so the Go struct mirrors the GLSL block field by field.
func PushBytes(v any) []byte {
	var buf bytes.Buffer
	if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
		panic(fmt.Sprintf("vk: push constants %T: %v", v, err))
	}
	if buf.Len()%4 != 0 {
		panic(fmt.Sprintf("vk: push constants %T: %d bytes, not whole words", v, buf.Len()))
	}
	return buf.Bytes()
}
