#include "CKataSys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

// From <linux/kvm.h>; spelled out so the build needs no kernel headers package.
#define CKATA_KVMIO 0xAE
#define CKATA_KVM_GET_API_VERSION _IO(CKATA_KVMIO, 0x00)
#define CKATA_KVM_CREATE_VM _IO(CKATA_KVMIO, 0x01)

int ckata_cpuid(uint32_t leaf, uint32_t subleaf, ckata_cpuid_regs *out) {
#if defined(__x86_64__) || defined(__i386__)
    __cpuid_count(leaf, subleaf, out->eax, out->ebx, out->ecx, out->edx);
    return 0;
#else
    out->eax = out->ebx = out->ecx = out->edx = 0;
    return -1;
#endif
}

int ckata_kvm_create_vm(const char *path, int *stage) {
    *stage = 1;
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    *stage = 2;
    int version = ioctl(fd, CKATA_KVM_GET_API_VERSION, 0);
    if (version < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    *stage = 3;
    int vm = ioctl(fd, CKATA_KVM_CREATE_VM, 0UL);
    if (vm < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    close(vm);
    close(fd);
    *stage = 0;
    return version;
}

int ckata_probe_open_rw(const char *path) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    close(fd);
    return 0;
}

int ckata_ioctl_int(int fd, unsigned long request, unsigned long arg) {
    int r = ioctl(fd, request, arg);
    return r < 0 ? -errno : r;
}

int ckata_ioctl_ptr(int fd, unsigned long request, void *arg) {
    int r = ioctl(fd, request, arg);
    return r < 0 ? -errno : r;
}
