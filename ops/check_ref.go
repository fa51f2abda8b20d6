package ops

import "fmt"

// checkLen panics unless every dim is non-negative and have equals their
// product; fn and what name the function and the argument in the message.
func checkLen(fn, what string, have int, dims ...int) {
	want := 1
	for _, d := range dims {
		if d < 0 {
			panic(fmt.Sprintf("ops: %s: negative dimension in %v", fn, dims))
		}
		want *= d
	}
	if have != want {
		panic(fmt.Sprintf("ops: %s: len(%s) = %d, want %d (shape %v)", fn, what, have, want, dims))
	}
}

// checkSameLen panics unless a and b have the same length.
func checkSameLen(fn, an, bn string, a, b int) {
	if a != b {
		panic(fmt.Sprintf("ops: %s: len(%s) = %d but len(%s) = %d", fn, an, a, bn, b))
	}
}
