// The MPI library as mae-vk calls it: opened at run time with dlopen, so the
// binary needs no MPI to build or to run on one device. Two ABIs are
// handled: OpenMPI's (communicators, datatypes and operations are addresses
// of global symbols such as ompi_mpi_comm_world) and MPICH's (the same
// handles are int constants; Intel MPI, MVAPICH and Cray MPICH share it).
#ifndef MAEVK_CMPI_H
#define MAEVK_CMPI_H

#include <stdint.h>

enum { MMPI_FLOAT = 0, MMPI_DOUBLE = 1, MMPI_BYTE = 2 };
enum { MMPI_SUM = 0, MMPI_MAX = 1 };

typedef struct mmpi mmpi;

// mmpi_open dlopens path (RTLD_NOW | RTLD_GLOBAL, as OpenMPI's plug-ins
// need) and resolves every entry point; on failure it returns NULL and a
// static message in *err.
mmpi *mmpi_open(const char *path, const char **err);
int mmpi_is_openmpi(const mmpi *m);

int mmpi_init(mmpi *m, int *provided);
int mmpi_initialized(mmpi *m, int *flag);
int mmpi_rank(mmpi *m, int *rank);
int mmpi_size(mmpi *m, int *size);
int mmpi_allreduce(mmpi *m, void *buf, int count, int type, int op);
int mmpi_allgather(mmpi *m, const void *send, void *recv, int bytes);
int mmpi_bcast(mmpi *m, void *buf, int bytes, int root);
int mmpi_barrier(mmpi *m);
int mmpi_abort(mmpi *m, int code);
int mmpi_finalize(mmpi *m);
int mmpi_version(mmpi *m, char *buf, int cap);

#endif
