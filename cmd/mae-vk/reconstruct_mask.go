package main

import (
	"fmt"
	"strings"
)

// maskFlagUsage explains --mask of reconstruct.
const maskFlagUsage = "hide these patches instead of a random mask: one character per patch, row by row, " +
	"1 hidden and 0 visible (mae-vk-view prints the masks it shows in this form)"

// parseMask reads --mask: l characters '0' (visible) or '1' (hidden).
func parseMask(s string, l int) ([]float64, error) {
	s = strings.TrimSpace(s)
	if len(s) != l {
		return nil, fmt.Errorf("--mask: %d characters, the model has %d patches: give one 0 or 1 per patch", len(s), l)
	}
	mask := make([]float64, l)
	visible := 0
	for i, ch := range s {
		switch ch {
		case '0':
			visible++
		case '1':
			mask[i] = 1
		default:
			return nil, fmt.Errorf("--mask: character %d is %q: want 0 (visible) or 1 (hidden)", i, ch)
		}
	}
	if visible == 0 {
		return nil, fmt.Errorf("--mask: every patch hidden: leave at least one visible")
	}
	return mask, nil
}
