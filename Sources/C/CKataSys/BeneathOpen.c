// openat2(2) confined beneath a directory, for paths in trees the host can write (the shared
// filesystem, /run/kata-containers): no symlink, no magic link and no ".." may lead out.
// glibc 2.36 (Debian 12) has no openat2 wrapper, so this calls the system call directly.
#define _GNU_SOURCE
#include "CKataSys.h"

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

// From <linux/openat2.h>; spelled out so the build needs no kernel headers package.
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define CKATA_RESOLVE_NO_MAGICLINKS 0x02
#define CKATA_RESOLVE_NO_SYMLINKS 0x04
#define CKATA_RESOLVE_BENEATH 0x08

struct ckata_open_how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

int ckata_open_beneath(int dirfd, const char *path, int flags, unsigned int mode) {
    struct ckata_open_how how = {
        .flags = (uint64_t)(unsigned int)flags,
        .mode = mode,
        .resolve = CKATA_RESOLVE_BENEATH | CKATA_RESOLVE_NO_SYMLINKS | CKATA_RESOLVE_NO_MAGICLINKS,
    };
    for (;;) {
        long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        if (fd >= 0) return (int)fd;
        // EAGAIN: a concurrent rename raced the lookup; the kernel asks for a retry.
        if (errno != EINTR && errno != EAGAIN) return -errno;
    }
}
