#define _GNU_SOURCE
#include "CKataSys.h"

#include <errno.h>
#include <linux/dm-ioctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

// One ioctl buffer: the header, then (for a table load) one target spec and its parameters.
#define CKATA_DM_BUFFER 16384

static int dm_call(int control, unsigned long request, const char *name, uint32_t flags, const char *target,
                   uint64_t sectors, const char *params, uint32_t *dev_major, uint32_t *dev_minor) {
    size_t name_length = strlen(name);
    if (name_length == 0 || name_length >= DM_NAME_LEN) return -EINVAL;
    size_t params_length = params ? strlen(params) + 1 : 0;
    size_t needed = sizeof(struct dm_ioctl) + sizeof(struct dm_target_spec) + params_length + 8;
    if (needed > CKATA_DM_BUFFER) return -E2BIG;
    char *buffer = calloc(1, CKATA_DM_BUFFER);
    if (!buffer) return -ENOMEM;
    struct dm_ioctl *io = (struct dm_ioctl *)buffer;
    io->version[0] = DM_VERSION_MAJOR;
    io->version[1] = 0;
    io->version[2] = 0;
    io->data_size = CKATA_DM_BUFFER;
    io->data_start = sizeof(struct dm_ioctl);
    io->flags = flags;
    memcpy(io->name, name, name_length);
    if (target) {
        struct dm_target_spec *spec = (struct dm_target_spec *)(buffer + sizeof(struct dm_ioctl));
        size_t target_length = strlen(target);
        if (target_length == 0 || target_length >= DM_MAX_TYPE_NAME) {
            free(buffer);
            return -EINVAL;
        }
        io->target_count = 1;
        spec->sector_start = 0;
        spec->length = sectors;
        memcpy(spec->target_type, target, target_length);
        // `next` is the offset from this spec to the next one: past the parameters, 8-aligned.
        size_t spec_size = sizeof(struct dm_target_spec) + params_length;
        spec->next = (uint32_t)((spec_size + 7) & ~(size_t)7);
        memcpy(buffer + sizeof(struct dm_ioctl) + sizeof(struct dm_target_spec), params, params_length);
    }
    int rc = ioctl(control, request, io);
    int err = rc < 0 ? errno : 0;
    if (rc == 0 && dev_major && dev_minor) {
        // The kernel's encoding of dev_t (huge_encode_dev): minor low 8 bits, major, minor high.
        uint64_t dev = io->dev;
        *dev_major = (uint32_t)((dev & 0xfff00) >> 8);
        *dev_minor = (uint32_t)((dev & 0xff) | ((dev >> 12) & 0xfff00));
    }
    free(buffer);
    return rc < 0 ? -err : 0;
}

int ckata_dm_create(int control, const char *name) {
    return dm_call(control, DM_DEV_CREATE, name, 0, NULL, 0, NULL, NULL, NULL);
}

int ckata_dm_load_table(int control, const char *name, const char *target, uint64_t sectors, const char *params,
                        int readonly) {
    return dm_call(control, DM_TABLE_LOAD, name, readonly ? DM_READONLY_FLAG : 0, target, sectors, params, NULL,
                   NULL);
}

int ckata_dm_resume(int control, const char *name, uint32_t *dev_major, uint32_t *dev_minor) {
    return dm_call(control, DM_DEV_SUSPEND, name, 0, NULL, 0, NULL, dev_major, dev_minor);
}

int ckata_dm_remove(int control, const char *name) {
    return dm_call(control, DM_DEV_REMOVE, name, 0, NULL, 0, NULL, NULL, NULL);
}
