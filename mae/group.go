package mae

// Group is the data-parallel world a training run or an evaluation belongs
// to: Size processes, each with its own device, that together act as one
// process with Size times the batch. Rank 0 writes the run directory. A nil
// Group is one process. dist.Comm implements it over MPI.
//
// Every method but Rank and Size is collective: each process calls it at
// the same point of the run; what names the operation in errors.
type Group interface {
	Rank() int
	Size() int
	// SumFloat32 replaces buf with its element-wise sum over the
	// processes.
	SumFloat32(what string, buf []float32) error
	// SumFloat64 replaces buf with its element-wise sum over the
	// processes.
	SumFloat64(what string, buf []float64) error
	// AnyTrue reports whether v is true in any process.
	AnyTrue(what string, v bool) (bool, error)
	// Agree fails, naming the processes, unless data is the same in
	// every process.
	Agree(what string, data []byte) error
}

// groupSize is g's size, 1 for a nil Group.
func groupSize(g Group) int {
	if g == nil {
		return 1
	}
	return g.Size()
}

// groupRank is g's rank, 0 for a nil Group.
func groupRank(g Group) int {
	if g == nil {
		return 0
	}
	return g.Rank()
}
