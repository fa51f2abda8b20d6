// Package dist runs mae-vk data-parallel over MPI: it finds out from the
// environment whether the process was started by mpirun, mpiexec or srun
// (Launch), loads the MPI library only then (package dist/mpi), and offers
// the collective operations training needs on one communicator (Comm):
// the gradient average, the agreement checks on configs and parameter
// checksums, and small reductions for losses and evaluation, each bounded
// by a timeout so that a dead or hung rank never leaves the others waiting
// silently.
package dist
