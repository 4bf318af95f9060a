/* info.h - --info: what this kernel supports for bpfscript, each item
 * found out by trying it (loading a program, creating a map, opening a
 * perf event and attaching to it), printed in bpftrace's --info layout. */
#ifndef BPFSCRIPT_INFO_H
#define BPFSCRIPT_INFO_H
#include <stdbool.h>
#include <stdio.h>

/* Prints the report; needs root. Returns 0, or -1 when nothing could be
 * tried (no bpf() at all). */
int info_print(FILE *out);

#endif
