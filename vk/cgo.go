package vk

// #cgo LDFLAGS: -ldl
// #include "cvk.h"
import "C"
