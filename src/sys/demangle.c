/* demangle.c - C++ demangling through libstdc++'s __cxa_demangle, loaded
 * on first use. See demangle.h. */
#define _GNU_SOURCE
#include "sys/demangle.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef char *(*cxa_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

static cxa_demangle_fn demangler(void)
{
	static bool tried;
	static cxa_demangle_fn fn;
	if (!tried) {
		tried = true;
		/* never closed: the process keeps the library to its end */
		void *h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);
		if (h)
			*(void **)&fn = dlsym(h, "__cxa_demangle");
	}
	return fn;
}

static bool output_on = true;

void cxx_demangle_set_output(bool on)
{
	output_on = on;
}

char *cxx_demangle_output(const char *name)
{
	return output_on ? cxx_demangle(name) : NULL;
}

char *cxx_demangle(const char *name)
{
	/* Itanium ABI names start with _Z (also __Z on some systems) */
	if (!name || strncmp(name, "_Z", 2))
		return NULL;
	cxa_demangle_fn fn = demangler();
	if (!fn)
		return NULL;
	int status = 0;
	char *s = fn(name, NULL, NULL, &status);
	if (status) {
		free(s);
		return NULL;
	}
	return s;
}

/* The end of the name before its parameter list: the '(' that opens the
 * outermost list ("ns::f(int)" -> 2 + 1 + 1, "operator()(int)" keeps
 * "operator()"), or NULL. Template arguments may hold parentheses. */
static const char *params_start(const char *s)
{
	int angle = 0;
	for (const char *p = s; *p; p++) {
		if (*p == '<')
			angle++;
		else if (*p == '>' && angle)
			angle--;
		else if (*p == '(' && !angle && !(p >= s + 8 && !strncmp(p - 8, "operator", 8)))
			return p;
	}
	return NULL;
}

void cxx_strip_params(char *d)
{
	char *paren = (char *)params_start(d);
	if (paren)
		*paren = 0;
}
