// SPDX-License-Identifier: GPL-2.0
/*
 * st_launcher.c - the program of a KVM selftest built on the harness.
 *
 * The selftest itself (its file, the selftest library and the backend) is
 * a shared object, <program>.so, next to this program, which holds the
 * harness (the kernel's vgic code, the IRS model). The selftest runs from
 * one instance of it: the VMM. Each VM gets an instance of its own (see
 * st_backend.c): the guest image, with its own copy of every global, as
 * the selftest library loads the test's ELF image into each VM.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "st_bridge.h"

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	int (*test_main)(int argc, char **argv);
	ssize_t n;
	void *h;

	n = readlink("/proc/self/exe", path, sizeof(path) - 4);
	if (n < 0) {
		perror("/proc/self/exe");
		return 1;
	}
	snprintf(path + n, sizeof(path) - n, ".so");
	h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	test_main = (int (*)(int, char **))dlsym(h, "main");
	if (!test_main) {
		fprintf(stderr, "%s: no test entry point\n", path);
		return 1;
	}
	return test_main(argc, argv);
}
