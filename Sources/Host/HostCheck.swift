/// One line of `kata-runtime check`: what was checked, the verdict and why.
public struct HostCheck: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Equatable, Codable {
        case pass, warn, fail
    }

    public var name: String
    public var status: Status
    public var reason: String

    public init(_ name: String, _ status: Status, _ reason: String) {
        self.name = name
        self.status = status
        self.reason = reason
    }
}

/// The verdicts of `kata-runtime check` over gathered facts. Pure: facts in, lines out.
public struct HostCheckReport: Sendable, Equatable, Codable {
    public var checks: [HostCheck]
    /// A VM can run: KVM can create one, or a working QEMU can emulate one (TCG).
    public var canRunVM: Bool
    /// The accelerator `auto` would pick: "kvm" only when KVM is fully usable.
    public var recommendedAccelerator: String?
    public var summary: String

    public init(facts: HostFacts, qemu: QEMUBinary) {
        var checks = Self.cpuChecks(facts) + Self.moduleChecks(facts) + Self.kvmChecks(facts)
        checks += Self.deviceChecks(facts) + Self.confidentialChecks(facts)
        checks += Self.processChecks(facts) + [Self.qemuCheck(qemu)]
        self.checks = checks
        // QEMU is the VMM either way: KVM needs a binary built with kvm, TCG one built with tcg.
        let kvmReady = facts.kvm.usability != .unusable && qemu.accelerators.contains("kvm")
        let tcgReady = qemu.usable && qemu.accelerators.contains("tcg")
        canRunVM = qemu.usable && (kvmReady || tcgReady)
        switch (canRunVM, facts.kvm.usability) {
        case (false, _): recommendedAccelerator = nil
        case (true, .usable) where kvmReady: recommendedAccelerator = "kvm"
        case (true, _): recommendedAccelerator = tcgReady ? "tcg" : "kvm"
        }
        if let accelerator = recommendedAccelerator {
            summary = "System can run Kata Containers VMs (accelerator: \(accelerator))"
        } else {
            summary =
                "System cannot run Kata Containers VMs: "
                + (qemu.problem
                    ?? "QEMU offers neither a usable KVM nor TCG (accelerators: \(qemu.accelerators))")
        }
    }
}
