//go:build !maevk_testhooks

package mae

// plantDivergence is a test hook (see testhook_on.go); without the
// maevk_testhooks build tag it does nothing.
func (t *trainer) plantDivergence() error { return nil }
