import Foundation
import KataCore
import SwiftProtobuf
import Testing

@testable import TTRPC

#if canImport(Glibc)
    import Glibc
#endif

/// The guest agent serves on a virtio-serial port, a character device it opens read-write.
/// There is no virtio-serial device on the host, so a pseudo-terminal in raw mode stands in:
/// it is a real character device on both ends.
@Suite struct CharacterDeviceTests {
    /// Opens a pty pair in raw mode: (controller, device), both read-write.
    static func rawPseudoTerminal() throws -> (CInt, CInt) {
        let controller = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard controller >= 0 else { throw KataError.system("open /dev/ptmx", errno: errno) }
        // TIOCSPTLCK (unlock) and TIOCGPTN (number) on x86-64 and arm64 Linux; the C macros
        // do not import into Swift.
        var unlock: CInt = 0
        var number: CInt = 0
        guard ioctl(controller, 0x4004_5431, &unlock) == 0, ioctl(controller, 0x8004_5430, &number) == 0
        else {
            close(controller)
            throw KataError.system("unlock /dev/ptmx", errno: errno)
        }
        let name = "/dev/pts/\(number)"
        let device = open(name, O_RDWR | O_NOCTTY)
        guard device >= 0 else {
            close(controller)
            throw KataError.system("open \(name)", errno: errno)
        }
        var settings = termios()
        tcgetattr(device, &settings)
        cfmakeraw(&settings)  // no echo, no line editing, bytes pass unchanged
        tcsetattr(device, TCSANOW, &settings)
        return (controller, device)
    }

    @Test func serverOnAnOpenCharacterDevice() async throws {
        let (controller, device) = try Self.rawPseudoTerminal()
        var deviceMode = stat()
        fstat(device, &deviceMode)
        #expect(deviceMode.st_mode & S_IFMT == S_IFCHR)
        let server = TTRPCServer(services: TestMethods.services())
        let client: TTRPCClient
        do {
            _ = try await server.serve(fileDescriptor: device)
            client = try await TTRPCClient.adopt(fileDescriptor: controller)
        } catch {
            await server.shutdown()
            throw error
        }
        do {
            let replies = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        try await client.call(TestMethods.echo, Google_Protobuf_StringValue("line \(i)\r\n"))
                            .value
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(replies == Set((0..<20).map { "line \($0)\r\n" }))
        } catch {
            await client.close()
            await server.shutdown()
            throw error
        }
        await client.close()
        await server.shutdown()
    }
}
