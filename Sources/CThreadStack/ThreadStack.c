// Raises the stack size of threads that libraries create with a small explicit stack.
//
// Debian's civetweb 1.15 starts every worker thread with pthread_attr_setstacksize(102400).
// Swift code on such a thread (runtime type metadata, Foundation formatting, JSON) can need
// more than 100 KiB, and an overflow is a segmentation fault. This definition is part of the
// executable, which exports its symbols, so the dynamic linker binds civetweb's call to it
// instead of to glibc. It forwards to glibc with at least the minimum size below.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>

#include "CThreadStack.h"

enum { minimum_stack_size = 2 * 1024 * 1024 };

size_t cthreadstack_minimum_size(void) {
    return minimum_stack_size;
}

int pthread_attr_setstacksize(pthread_attr_t *attributes, size_t size) {
    typedef int (*setter)(pthread_attr_t *, size_t);
    static setter glibc_setter;
    if (glibc_setter == NULL) {
        glibc_setter = (setter)dlsym(RTLD_NEXT, "pthread_attr_setstacksize");
    }
    if (size < minimum_stack_size) {
        size = minimum_stack_size;
    }
    return glibc_setter(attributes, size);
}
