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

/// finit_module(2): loads the kernel module open at `fd`. Returns 0 or -errno.
int ckata_finit_module(int fd);

/// Waits for any child (waitpid(-1, ..., 0)). Returns the pid and stores the raw status, or
/// -errno (-ECHILD when there are no children).
int ckata_wait_any(int *status);

/// Decodes a raw wait status: the exit code, or 128 + signal for a signal death, as shells do.
int ckata_exit_code(int status);

/// Makes this process a child subreaper, so orphaned descendants are reparented to it.
int ckata_set_child_subreaper(void);

/// Sends `fd` over the connected unix socket `sock` (SCM_RIGHTS). Returns 0 or -errno.
int ckata_send_fd(int sock, int fd);

/// Receives one file descriptor from the unix socket `sock` (SCM_RIGHTS). Returns it or -errno.
int ckata_recv_fd(int sock);

/// pipe2(fds, O_CLOEXEC). Returns 0 or -errno.
int ckata_pipe_cloexec(int fds[2]);

/// Starts `path` with `argv`/`envp` in a new session (setsid), with working directory `cwd`
/// and stdin/stdout/stderr on /dev/null: a daemon that outlives its parent. Returns 0 and sets
/// *pid, or -errno.
int ckata_spawn_detached(const char *path, char *const argv[], char *const envp[], const char *cwd, int *pid);

/// Adds "close every descriptor from `lowest` up" to spawn file actions, so a child inherits
/// only what the actions set up (libraries such as NIO open descriptors without close-on-exec).
/// `actions` is a posix_spawn_file_actions_t*. Returns 0 or an errno value.
int ckata_spawn_actions_closefrom(void *actions, int lowest);

/// openat2(dirfd, path, flags, mode) with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
/// RESOLVE_NO_MAGICLINKS: `path` (relative to `dirfd`) resolves only beneath `dirfd`, and a
/// symlink anywhere in it (the last component included) fails with ELOOP. Returns the new
/// descriptor or -errno (-ENOSYS before Linux 5.6).
int ckata_open_beneath(int dirfd, const char *path, int flags, unsigned int mode);

/// The id of the mount `name` (relative to `dirfd`; "" for `dirfd` itself) lies on, from
/// statx(STATX_MNT_ID), without following a final symlink. Two bind mounts of one filesystem
/// share a device number but never a mount id. Returns 0 or -errno (-ENOSYS: kernel too old).
int ckata_mount_id_at(int dirfd, const char *name, uint64_t *mount_id);

/// Device-mapper ioctls on an open control device (/dev/mapper/control's misc device):
/// create a named device, load a one-target table (`sectors` long, read-only when asked),
/// resume it (returns its block device number), remove it. Each returns 0 or -errno.
int ckata_dm_create(int control, const char *name);
int ckata_dm_load_table(int control, const char *name, const char *target, uint64_t sectors, const char *params,
                        int readonly);
int ckata_dm_resume(int control, const char *name, uint32_t *dev_major, uint32_t *dev_minor);
int ckata_dm_remove(int control, const char *name);

/// statfs(2) of `path`: the filesystem's magic number (f_type) and its size in bytes
/// (f_blocks * f_bsize). Returns 0 or -errno.
int ckata_statfs(const char *path, uint64_t *type, uint64_t *bytes);

/// setns(fd, CLONE_NEWNET) for the calling thread only. Returns 0 or -errno.
int ckata_setns_net(int fd);

/// Creates (or attaches to) the tap device `name` in the calling thread's network namespace
/// (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, not persistent: it lives while a descriptor is open).
/// Returns the /dev/net/tun descriptor (close-on-exec) or -errno.
int ckata_tap_open(const char *name);

#endif
