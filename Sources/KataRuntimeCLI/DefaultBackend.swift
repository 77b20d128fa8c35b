import QEMU
import VirtualMachine

/// The backend `kata-runtime` renders command lines with: the one the shim launches with.
func defaultBackend() -> any VirtualMachineBackend { QEMUBackend() }
