/* SPDX-License-Identifier: GPL-2.0 */
/* dup: the generic errno values (the same on arm64) plus the kernel-internal ones. */
#ifndef _LINUX_ERRNO_H
#define _LINUX_ERRNO_H
#include <asm-generic/errno.h>
#define ERESTARTSYS	512
#define ENOIOCTLCMD	515
#define EPROBE_DEFER	517
#define EOPENSTALE	518
#define ENOTSUPP	524
#endif
