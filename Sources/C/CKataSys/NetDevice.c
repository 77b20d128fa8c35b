#define _GNU_SOURCE
#include "CKataSys.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

// From <linux/if_tun.h> and <linux/if.h>; spelled out so the build needs no kernel headers.
#define CKATA_TUNSETIFF 0x400454caUL
#define CKATA_IFF_TAP 0x0002
#define CKATA_IFF_NO_PI 0x1000
#define CKATA_IFF_VNET_HDR 0x4000
#define CKATA_IFNAMSIZ 16

struct ckata_ifreq {
    char name[CKATA_IFNAMSIZ];
    short flags;
    char pad[22];
};

int ckata_setns_net(int fd) { return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0; }

int ckata_tap_open(const char *name) {
    size_t length = strlen(name);
    if (length == 0 || length >= CKATA_IFNAMSIZ) return -EINVAL;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct ckata_ifreq request;
    memset(&request, 0, sizeof request);
    memcpy(request.name, name, length);
    request.flags = CKATA_IFF_TAP | CKATA_IFF_NO_PI | CKATA_IFF_VNET_HDR;
    if (ioctl(fd, CKATA_TUNSETIFF, &request) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}
