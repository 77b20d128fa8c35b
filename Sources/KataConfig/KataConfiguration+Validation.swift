import KataCore

extension KataConfiguration {
    /// Checks that hold across keys (and so across files); `origin` names the files the
    /// settings came from, for the error message.
    func validate(origin: String) throws {
        func fail(_ message: String) -> KataError { KataError(.invalidConfig, "\(origin): \(message)") }
        let qemu = hypervisor
        if !qemu.image.isEmpty && !qemu.initrd.isEmpty {
            throw fail("hypervisor.qemu: both image and initrd are set; set only one")
        }
        if qemu.image.isEmpty && qemu.initrd.isEmpty {
            throw fail("hypervisor.qemu: neither image nor initrd is set; set one")
        }
        if runtime.disableNewNetns && runtime.internetworkingModel != "none" {
            throw fail("runtime.disable_new_netns = true needs runtime.internetworking_model = \"none\"")
        }
        if let problem = qemu.protectionProblem { throw fail(problem) }
        for pattern in qemu.enableAnnotations {
            guard (try? Regex(pattern)) != nil else {
                throw fail(
                    "hypervisor.qemu.enable_annotations: '\(pattern)' is not a valid regular expression")
            }
        }
    }
}

extension QEMUConfig {
    /// What is inconsistent between confidential_guest, sev_snp_guest, guest_protection,
    /// the accelerator and the SEV policy, or nil.
    public var protectionProblem: String? {
        let key = "hypervisor.qemu.guest_protection = \"\(guestProtection.rawValue)\""
        if guestProtection.isHardwareProtection && !confidentialGuest {
            return "\(key) needs hypervisor.qemu.confidential_guest = true"
        }
        if guestProtection == .none && confidentialGuest {
            return "\(key) contradicts hypervisor.qemu.confidential_guest = true"
        }
        if sevSNPGuest && [.sev, .sevES, .tdx].contains(guestProtection) {
            return "\(key) contradicts hypervisor.qemu.sev_snp_guest = true"
        }
        if guestProtection.isHardwareProtection && accelerator == .tcg {
            return "\(key) needs hypervisor.qemu.accelerator = \"kvm\" (or \"auto\"); TCG cannot run it"
        }
        if (snpIDBlock == nil) != (snpIDAuth == nil) {
            return "hypervisor.qemu.snp_id_block and snp_id_auth go together: set both or neither"
        }
        if let sevPolicy {
            let hasES = sevPolicy & 0x4 != 0
            if guestProtection == .sevES && !hasES {
                return "hypervisor.qemu.sev_policy: sev-es needs the ES bit (0x4) set"
            }
            if guestProtection == .sev && hasES {
                return
                    "hypervisor.qemu.sev_policy: the ES bit (0x4) is set; use guest_protection = \"sev-es\""
            }
        }
        return nil
    }
}
