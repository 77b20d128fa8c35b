import Dispatch
import Firmware
import KataCore
import Synchronization

/// SHA-256 digests of what QEMU measures with `-kernel`: the kernel, the initrd (empty when there
/// is none) and the command line with its trailing NUL.
public struct KernelHashes: Sendable, Equatable {
    public let kernel: [UInt8]
    public let initrd: [UInt8]
    public let cmdline: [UInt8]

    public init(kernel: [UInt8], initrd: [UInt8], cmdline: [UInt8]) {
        self.kernel = kernel
        self.initrd = initrd
        self.cmdline = cmdline
    }

    /// The bytes QEMU hashes for a command line: UTF-8 plus a terminating NUL.
    public static func cmdlineBytes(_ cmdline: String?) -> [UInt8] {
        Array((cmdline ?? "").utf8) + [0]
    }

    /// Hashes the inputs, the kernel and the initrd concurrently (each is one sequential SHA-256,
    /// so two cores finish both in the time of the larger). An empty or absent initrd path means
    /// no initrd, as with QEMU. Pipes and character devices are hashed as streams, to their end.
    public static func compute(kernelPath: String, initrdPath: String?, cmdline: String?) throws
        -> KernelHashes
    {
        let paths = [kernelPath] + (initrdPath.flatMap { $0.isEmpty ? nil : [$0] } ?? [])
        let results = Mutex<[Int: Result<[UInt8], any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            let result = Result { try DigestAlgorithm.sha256.hash(contentsOf: paths[index]) }
            results.withLock { $0[index] = result }
        }
        let digests = try results.withLock { table in try (0..<paths.count).map { try table[$0]!.get() } }
        return KernelHashes(
            kernel: digests[0],
            initrd: digests.count > 1 ? digests[1] : DigestAlgorithm.sha256.hash([]),
            cmdline: DigestAlgorithm.sha256.hash(cmdlineBytes(cmdline)))
    }
}
