import KataCore
import Testing

@testable import GuestAgent

#if canImport(Glibc)
    import Glibc
#endif

/// Resolution below a root the host can write, against a real temp directory with planted
/// symlinks (openat2 runs on the host kernel as in the guest).
@Suite struct BeneathPathTests {
    /// root/ (the confined tree) and outside/ (where a planted link points) in one temp dir.
    final class Tree {
        let base: String
        var root: String { base + "/root" }
        var outside: String { base + "/outside" }

        init() throws {
            var template = Array("/tmp/kata-beneath-XXXXXX".utf8CString)
            base = String(cString: try #require(mkdtemp(&template)))
            try makeDirectories(base + "/root")
            try makeDirectories(base + "/outside")
        }

        deinit { removeTree(base) }
    }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    @Test func componentsRefuseEscapesAndOddBytes() throws {
        #expect(try BeneathPath.components(of: "/r/a//b/c", below: "/r", field: "f") == ["a", "b", "c"])
        for bad in ["/r", "/r/", "/r/a/../../etc", "/r/./a", "/etc/passwd", "/rx/a", "r/a", "/r/a\u{0}b", ""]
        {
            #expect(throws: KataError.self, "\(bad.debugDescription)") {
                try BeneathPath.components(of: bad, below: "/r", field: "f")
            }
        }
        let tooLong = "/r/" + String(repeating: "x", count: 256)
        #expect(throws: KataError.self) { try BeneathPath.components(of: tooLong, below: "/r", field: "f") }
        do {
            _ = try BeneathPath.components(of: "/r/..", below: "/r", field: "storage mount_point")
            Issue.record("accepted ..")
        } catch let error as KataError {
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("storage mount_point"), "the error names the field")
        }
    }

    @Test func createsMissingDirectoriesBelowTheRoot() throws {
        let tree = try Tree()
        let directory = try BeneathPath.openDirectory(root: tree.root, ["a", "b", "c"], creating: 0o750)
        #expect(directory.isOpen)
        let file = try BeneathPath.open("f", in: directory, path: "f", flags: O_WRONLY | O_CREAT, mode: 0o600)
        #expect(file.withRaw { write($0, "hi", 2) } == 2)
        file.close()
        #expect(try readTextFile(tree.root + "/a/b/c/f") == "hi")
        var info = stat()
        #expect(stat(tree.root + "/a/b", &info) == 0 && info.st_mode & 0o777 == 0o750)
        // Opening again finds what is there.
        _ = try BeneathPath.openDirectory(root: tree.root, ["a", "b", "c"], creating: nil)
    }

    @Test func aPlantedDirectorySymlinkIsNotFollowed() throws {
        let tree = try Tree()
        for target in [tree.outside, "../outside", "/"] {
            let link = tree.root + "/link"
            unlink(link)
            #expect(symlink(target, link) == 0)
            #expect(throws: KataError.self, "link to \(target)") {
                try BeneathPath.openDirectory(root: tree.root, ["link", "made"], creating: 0o755)
            }
            #expect(!exists(tree.outside + "/made"), "nothing was created through the link to \(target)")
            // Deeper down too: a link below a real directory.
            try makeDirectories(tree.root + "/real")
            unlink(tree.root + "/real/link")
            #expect(symlink(target, tree.root + "/real/link") == 0)
            #expect(throws: KataError.self) {
                try BeneathPath.openDirectory(root: tree.root, ["real", "link"], creating: nil)
            }
        }
    }

    @Test func aPlantedFileSymlinkIsNotFollowed() throws {
        let tree = try Tree()
        try writeFile(tree.outside + "/secret", Array("keep".utf8))
        #expect(symlink(tree.outside + "/secret", tree.root + "/file") == 0)
        let directory = try BeneathPath.openDirectory(root: tree.root, [String](), creating: nil)
        do {
            _ = try BeneathPath.open("file", in: directory, path: "file", flags: O_WRONLY | O_CREAT | O_TRUNC)
            Issue.record("opened a symlink")
        } catch let error as KataError {
            #expect(error.code == .invalidArgument)
        }
        #expect(try readTextFile(tree.outside + "/secret") == "keep")
    }

    @Test func theRootItselfMustNotBeASymlink() throws {
        let tree = try Tree()
        #expect(symlink(tree.outside, tree.base + "/linked-root") == 0)
        #expect(throws: KataError.self) {
            try BeneathPath.openDirectory(root: tree.base + "/linked-root", ["a"], creating: 0o755)
        }
        #expect(!exists(tree.outside + "/a"))
    }

    /// A closed descriptor is never closed again: not by a second close(), not by deinit, even
    /// when its number was reused for another file meanwhile.
    @Test func descriptorsCloseExactlyOnce() throws {
        // Numbers from 900 up: no other test running in parallel takes them.
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(devNull) }
        let first = fcntl(devNull, F_DUPFD_CLOEXEC, 900)
        let owner = FileDescriptor(adopting: first)
        owner.close()
        #expect(!owner.isOpen)
        #expect(owner.withRaw { $0 } == nil)
        let reused = fcntl(devNull, F_DUPFD_CLOEXEC, 900)
        defer { close(reused) }
        #expect(reused == first, "the lowest free number at or above 900 is the one just closed")
        owner.close()
        #expect(fcntl(reused, F_GETFD) >= 0, "the reused number is still open")
        do { _ = consume owner }
        #expect(fcntl(reused, F_GETFD) >= 0, "deinit did not close it either")
    }
}
