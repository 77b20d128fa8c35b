#define _GNU_SOURCE
#include "CKataSys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
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

#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int ckata_finit_module(int fd) {
    long r = syscall(SYS_finit_module, fd, "", 0);
    return r < 0 ? -errno : 0;
}

int ckata_wait_any(int *status) {
    for (;;) {
        pid_t pid = waitpid(-1, status, 0);
        if (pid >= 0) return pid;
        if (errno != EINTR) return -errno;
    }
}

int ckata_exit_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 255;
}

int ckata_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int ckata_send_fd(int sock, int fd) {
    char byte = 0;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof(control));
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int ckata_recv_fd(int sock) {
    char buf[256];
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
    char control[CMSG_SPACE(sizeof(int))];
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int fd;
            memcpy(&fd, CMSG_DATA(c), sizeof(int));
            return fd;
        }
    }
    return -EBADMSG;
}

int ckata_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) < 0 ? -errno : 0;
}

#include <spawn.h>

int ckata_spawn_detached(const char *path, char *const argv[], char *const envp[], const char *cwd, int *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (cwd != NULL) posix_spawn_file_actions_addchdir_np(&actions, cwd);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID);
    pid_t child = 0;
    int rc = posix_spawn(&child, path, &actions, &attributes, argv, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0) return -rc;
    *pid = child;
    return 0;
}

int ckata_spawn_actions_closefrom(void *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, lowest);
}

int ckata_statfs(const char *path, uint64_t *type, uint64_t *bytes) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -errno;
    *type = (uint64_t)info.f_type;
    *bytes = (uint64_t)info.f_blocks * (uint64_t)info.f_bsize;
    return 0;
}
