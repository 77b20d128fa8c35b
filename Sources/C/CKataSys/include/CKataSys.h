// Small C helpers for things Swift cannot express directly: CPUID, ioctls with
// numeric requests, and variadic system calls.
#ifndef CKATASYS_H
#define CKATASYS_H

#include <stdint.h>

typedef struct {
    uint32_t eax, ebx, ecx, edx;
} ckata_cpuid_regs;

/// Executes CPUID with the given leaf and subleaf. Returns 0 on x86, -1 elsewhere.
int ckata_cpuid(uint32_t leaf, uint32_t subleaf, ckata_cpuid_regs *out);

/// Opens `path` (normally /dev/kvm) and issues KVM_GET_API_VERSION then KVM_CREATE_VM.
/// Returns the API version (12) on success; on failure returns -errno and sets *stage to
/// 1 (open), 2 (KVM_GET_API_VERSION) or 3 (KVM_CREATE_VM).
int ckata_kvm_create_vm(const char *path, int *stage);

/// Opens a file read-write and closes it again; returns 0 or -errno.
int ckata_probe_open_rw(const char *path);

/// ioctl(fd, request, arg) with an integer argument; returns the result or -errno.
int ckata_ioctl_int(int fd, unsigned long request, unsigned long arg);

/// ioctl(fd, request, ptr); returns the result or -errno.
int ckata_ioctl_ptr(int fd, unsigned long request, void *arg);

#endif
