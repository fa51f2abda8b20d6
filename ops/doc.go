// Package ops holds the compute kernels of MAE training: one file per op
// family with the Go call that records the kernel and, beside it, a plain-loop
// CPU reference (float64 accumulation) that the shared test suite checks the
// device against.
package ops
