import KataCore
import Logging
import VirtualMachine

/// The backend whose command line `measure --config --json` reports: the one the shim launches.
func defaultBackend() -> any VirtualMachineBackend {
    // replaced by QEMUBackend when the qemu branch merges: `QEMUBackend()`
    PendingQEMUBackend()
}

// replaced by QEMUBackend when the qemu branch merges
/// A stand-in until QEMU is a `VirtualMachineBackend` on this branch: renders no argv (the
/// proof tests then fail, saying so) and launches nothing.
private struct PendingQEMUBackend: VirtualMachineBackend {
    var name: String { "qemu" }

    func commandLine(for description: VirtualMachineDescription) throws -> [String] { [] }

    func launch(_ description: VirtualMachineDescription, logger: Logger) async throws
        -> any RunningVirtualMachine
    {
        throw KataError(
            .unsupported, "QEMU backend: not implemented on this branch (pending the qemu branch)")
    }
}
