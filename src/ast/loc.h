/* loc.h - source location of a token or node; also bison's YYLTYPE.
 * Lines and columns are 1-based; last_column is inclusive. */
#ifndef BPFSCRIPT_LOC_H
#define BPFSCRIPT_LOC_H

struct loc {
	int first_line, first_column;
	int last_line, last_column;
};

#endif
