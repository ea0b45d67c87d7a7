#ifndef C_THREAD_STACK_H
#define C_THREAD_STACK_H

#include <stddef.h>

/// The smallest stack, in bytes, that a thread created with an explicit stack size gets.
size_t cthreadstack_minimum_size(void);

#endif
