// Package mpi is mae-vk's binding to an MPI library, loaded at run time with
// dlopen (as vk/ loads the Vulkan loader), so that the mae-vk binary builds
// and runs without MPI and only a data-parallel run needs it. It speaks both
// MPI ABIs in use: OpenMPI's and MPICH's (MPICH, Intel MPI, MVAPICH, Cray).
//
// It wraps the few calls data-parallel training needs, on MPI_COMM_WORLD
// only. MPI is initialised with MPI_THREAD_FUNNELED: every call must come
// from the OS thread that called Init (package dist keeps one goroutine
// locked to it). This is the only package besides vk with cgo.
package mpi
