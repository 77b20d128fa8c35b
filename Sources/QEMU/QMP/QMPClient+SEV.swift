import KataCore

/// `query-sev`: the SEV state of a running guest.
public struct SEVGuestInfo: Sendable, Equatable {
    public var enabled: Bool
    public var apiMajor: Int
    public var apiMinor: Int
    public var buildID: Int
    public var policy: Int64
    public var state: String
    public var handle: Int64
}

/// `query-sev-capabilities`: the platform's certificates and encryption bits.
public struct SEVCapabilities: Sendable, Equatable {
    /// Base64 platform Diffie-Hellman key and certificate chain.
    public var pdh: String
    public var certChain: String
    public var cpu0ID: String?
    public var cBitPosition: Int
    public var reducedPhysBits: Int
}

extension QMPClient {
    public func querySEV() async throws -> SEVGuestInfo {
        let reply = try await execute("query-sev").objectValue("query-sev")
        let context = "query-sev"
        return SEVGuestInfo(
            enabled: try reply.bool("enabled", in: context),
            apiMajor: Int(try reply.int("api-major", in: context)),
            apiMinor: Int(try reply.int("api-minor", in: context)),
            buildID: Int(try reply.int("build-id", in: context)),
            policy: try reply.int("policy", in: context), state: try reply.string("state", in: context),
            handle: try reply.int("handle", in: context))
    }

    public func querySEVCapabilities() async throws -> SEVCapabilities {
        let context = "query-sev-capabilities"
        let reply = try await execute(context).objectValue(context)
        return SEVCapabilities(
            pdh: try reply.string("pdh", in: context), certChain: try reply.string("cert-chain", in: context),
            cpu0ID: try reply.optionalString("cpu0-id", in: context),
            cBitPosition: Int(try reply.int("cbitpos", in: context)),
            reducedPhysBits: Int(try reply.int("reduced-phys-bits", in: context)))
    }

    /// The base64 launch measurement of a guest started paused (`-S`) before its first `cont`.
    public func querySEVLaunchMeasure() async throws -> String {
        let context = "query-sev-launch-measure"
        return try await execute(context).objectValue(context).string("data", in: context)
    }

    /// Injects a guest-owner secret (base64 header and payload) into guest memory at `gpa`
    /// (nil: the firmware's secret area).
    public func sevInjectLaunchSecret(
        packetHeader: String, secret: String, guestPhysicalAddress: UInt64? = nil
    )
        async throws
    {
        var arguments: JSONObject = ["packet-header": .string(packetHeader), "secret": .string(secret)]
        if let guestPhysicalAddress { arguments["gpa"] = .int(Int64(bitPattern: guestPhysicalAddress)) }
        try await execute("sev-inject-launch-secret", arguments: arguments)
    }

    /// The base64 attestation report for a 16-byte nonce (base64 `mnonce`).
    public func querySEVAttestationReport(nonce: String) async throws -> String {
        let context = "query-sev-attestation-report"
        return try await execute(context, arguments: ["mnonce": .string(nonce)]).objectValue(context)
            .string("data", in: context)
    }
}
