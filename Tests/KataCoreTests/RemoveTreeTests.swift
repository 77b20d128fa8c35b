import Glibc
import KataCore
import Testing

/// removeTree against a real bind mount (needs root, as the suite has); RuntimeTests covers
/// planted symlinks.
@Suite struct RemoveTreeTests {
    let base: String

    init() throws {
        var template = Array("/tmp/kata-removetree-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw KataError.system("mkdtemp", errno: errno) }
        base = String(cString: made)
    }

    /// A bind mount of a directory on the same filesystem has the same device number; only
    /// the mount id tells it apart. A leftover bind mount must keep its contents.
    @Test func neverEntersABindMountOfTheSameFilesystem() throws {
        try makeDirectories("\(base)/image/etc")
        try writeFile("\(base)/image/etc/hostname", Array("precious".utf8))
        try makeDirectories("\(base)/tree/rootfs")
        try writeFile("\(base)/tree/scratch", Array("x".utf8))
        guard mount("\(base)/image", "\(base)/tree/rootfs", nil, UInt(MS_BIND), nil) == 0 else {
            throw KataError.system("bind mount for the test", errno: errno)
        }
        defer {
            umount2("\(base)/tree/rootfs", Int32(MNT_DETACH))
            _ = removeTree(base)
        }
        #expect(!removeTree("\(base)/tree"), "the mount point itself cannot go")
        #expect(access("\(base)/image/etc/hostname", F_OK) == 0, "contents behind the bind mount survive")
        #expect(access("\(base)/tree/scratch", F_OK) != 0, "the rest of the tree is removed")
    }
}
