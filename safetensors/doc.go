// Package safetensors reads and writes the safetensors file format
// (huggingface/safetensors): an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the raw
// tensor data. Parsing checks everything a hostile file could get wrong
// (sizes, overflow, overlaps, gaps, UTF-8, duplicates) and is fuzzed;
// F16 and BF16 tensors are read as float32; tensors are written as F32.
package safetensors
