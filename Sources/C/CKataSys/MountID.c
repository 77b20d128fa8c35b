#define _GNU_SOURCE
#include "CKataSys.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

int ckata_mount_id_at(int dirfd, const char *name, uint64_t *mount_id) {
    struct statx info;
    int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (name[0] == 0 ? AT_EMPTY_PATH : 0);
    if (statx(dirfd, name, flags, STATX_MNT_ID, &info) != 0) return -errno;
    if (!(info.stx_mask & STATX_MNT_ID)) return -ENOSYS;
    *mount_id = info.stx_mnt_id;
    return 0;
}
