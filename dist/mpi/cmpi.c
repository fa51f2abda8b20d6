#include "cmpi.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

// MPI_THREAD_FUNNELED has the value 1 in both ABIs: every MPI call is made
// from the one thread that initialised MPI (dist.Comm's locked goroutine).
#define MMPI_THREAD_FUNNELED 1

// OpenMPI: handles are pointers.
typedef void *ohandle;
// MPICH: handles are ints.
typedef int ihandle;

struct mmpi {
	void *lib;
	int openmpi;
	// Handles, stored wide; for MPICH they hold the int constants.
	intptr_t comm_world, types[3], ops[2];
	void *in_place;

	int (*init_thread)(int *, char ***, int, int *);
	int (*initialized)(int *);
	int (*finalize)(void);
	int (*get_library_version)(char *, int *);
	// Entry points whose handle arguments differ by ABI, kept untyped and
	// cast at the call.
	void *comm_rank, *comm_size, *allreduce, *allgather, *bcast, *barrier, *abort_;
};

static void *sym(mmpi *m, const char *name, int *missing) {
	void *p = dlsym(m->lib, name);
	if (p == NULL) {
		*missing = 1;
	}
	return p;
}

mmpi *mmpi_open(const char *path, const char **err) {
	void *lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (lib == NULL) {
		*err = "cannot dlopen the MPI library";
		return NULL;
	}
	mmpi *m = calloc(1, sizeof *m);
	if (m == NULL) {
		dlclose(lib);
		*err = "out of memory";
		return NULL;
	}
	m->lib = lib;
	int missing = 0;
	void *world = dlsym(lib, "ompi_mpi_comm_world");
	if (world != NULL) {
		m->openmpi = 1;
		m->comm_world = (intptr_t)world;
		m->types[MMPI_FLOAT] = (intptr_t)sym(m, "ompi_mpi_float", &missing);
		m->types[MMPI_DOUBLE] = (intptr_t)sym(m, "ompi_mpi_double", &missing);
		m->types[MMPI_BYTE] = (intptr_t)sym(m, "ompi_mpi_byte", &missing);
		m->ops[MMPI_SUM] = (intptr_t)sym(m, "ompi_mpi_op_sum", &missing);
		m->ops[MMPI_MAX] = (intptr_t)sym(m, "ompi_mpi_op_max", &missing);
		m->in_place = (void *)1;
	} else {
		m->comm_world = 0x44000000;
		m->types[MMPI_FLOAT] = 0x4c00040a;
		m->types[MMPI_DOUBLE] = 0x4c00080b;
		m->types[MMPI_BYTE] = 0x4c00010d;
		m->ops[MMPI_SUM] = 0x58000003;
		m->ops[MMPI_MAX] = 0x58000001;
		m->in_place = (void *)-1;
	}
	m->init_thread = sym(m, "MPI_Init_thread", &missing);
	m->initialized = sym(m, "MPI_Initialized", &missing);
	m->finalize = sym(m, "MPI_Finalize", &missing);
	m->get_library_version = sym(m, "MPI_Get_library_version", &missing);
	m->comm_rank = sym(m, "MPI_Comm_rank", &missing);
	m->comm_size = sym(m, "MPI_Comm_size", &missing);
	m->allreduce = sym(m, "MPI_Allreduce", &missing);
	m->allgather = sym(m, "MPI_Allgather", &missing);
	m->bcast = sym(m, "MPI_Bcast", &missing);
	m->barrier = sym(m, "MPI_Barrier", &missing);
	m->abort_ = sym(m, "MPI_Abort", &missing);
	if (missing) {
		dlclose(lib);
		free(m);
		*err = "the library lacks MPI entry points (is it an MPI library?)";
		return NULL;
	}
	return m;
}

int mmpi_is_openmpi(const mmpi *m) { return m->openmpi; }

int mmpi_init(mmpi *m, int *provided) {
	int argc = 0;
	char **argv = NULL;
	return m->init_thread(&argc, &argv, MMPI_THREAD_FUNNELED, provided);
}

int mmpi_initialized(mmpi *m, int *flag) { return m->initialized(flag); }

int mmpi_rank(mmpi *m, int *rank) {
	if (m->openmpi) {
		return ((int (*)(ohandle, int *))m->comm_rank)((ohandle)m->comm_world, rank);
	}
	return ((int (*)(ihandle, int *))m->comm_rank)((ihandle)m->comm_world, rank);
}

int mmpi_size(mmpi *m, int *size) {
	if (m->openmpi) {
		return ((int (*)(ohandle, int *))m->comm_size)((ohandle)m->comm_world, size);
	}
	return ((int (*)(ihandle, int *))m->comm_size)((ihandle)m->comm_world, size);
}

int mmpi_allreduce(mmpi *m, void *buf, int count, int type, int op) {
	if (m->openmpi) {
		return ((int (*)(const void *, void *, int, ohandle, ohandle, ohandle))m->allreduce)(
			m->in_place, buf, count, (ohandle)m->types[type], (ohandle)m->ops[op], (ohandle)m->comm_world);
	}
	return ((int (*)(const void *, void *, int, ihandle, ihandle, ihandle))m->allreduce)(
		m->in_place, buf, count, (ihandle)m->types[type], (ihandle)m->ops[op], (ihandle)m->comm_world);
}

int mmpi_allgather(mmpi *m, const void *send, void *recv, int bytes) {
	if (m->openmpi) {
		ohandle b = (ohandle)m->types[MMPI_BYTE];
		return ((int (*)(const void *, int, ohandle, void *, int, ohandle, ohandle))m->allgather)(
			send, bytes, b, recv, bytes, b, (ohandle)m->comm_world);
	}
	ihandle b = (ihandle)m->types[MMPI_BYTE];
	return ((int (*)(const void *, int, ihandle, void *, int, ihandle, ihandle))m->allgather)(
		send, bytes, b, recv, bytes, b, (ihandle)m->comm_world);
}

int mmpi_bcast(mmpi *m, void *buf, int bytes, int root) {
	if (m->openmpi) {
		return ((int (*)(void *, int, ohandle, int, ohandle))m->bcast)(
			buf, bytes, (ohandle)m->types[MMPI_BYTE], root, (ohandle)m->comm_world);
	}
	return ((int (*)(void *, int, ihandle, int, ihandle))m->bcast)(
		buf, bytes, (ihandle)m->types[MMPI_BYTE], root, (ihandle)m->comm_world);
}

int mmpi_barrier(mmpi *m) {
	if (m->openmpi) {
		return ((int (*)(ohandle))m->barrier)((ohandle)m->comm_world);
	}
	return ((int (*)(ihandle))m->barrier)((ihandle)m->comm_world);
}

int mmpi_abort(mmpi *m, int code) {
	if (m->openmpi) {
		return ((int (*)(ohandle, int))m->abort_)((ohandle)m->comm_world, code);
	}
	return ((int (*)(ihandle, int))m->abort_)((ihandle)m->comm_world, code);
}

int mmpi_finalize(mmpi *m) { return m->finalize(); }

int mmpi_version(mmpi *m, char *buf, int cap) {
	// MPI_MAX_LIBRARY_VERSION_STRING is 256 in OpenMPI, 8192 in MPICH.
	char tmp[8192];
	int n = 0;
	int rc = m->get_library_version(tmp, &n);
	if (rc != 0) {
		return rc;
	}
	if (n >= cap) {
		n = cap - 1;
	}
	if (n < 0) {
		n = 0;
	}
	memcpy(buf, tmp, (size_t)n);
	buf[n] = 0;
	return 0;
}
