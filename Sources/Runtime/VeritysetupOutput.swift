import KataCore

/// What `veritysetup format --no-superblock` prints about the tree it wrote ("Key:<tabs>value"
/// lines). Read strictly: every field we use exactly once and well formed, or an error naming
/// the field; lines we do not use (UUID, Hash blocks) are ignored.
struct VeritysetupOutput: Equatable {
    var hashType: Int
    var dataBlocks: UInt64
    var dataBlockSize: UInt64
    var hashBlockSize: UInt64
    var algorithm: String
    var salt: String
    var rootHash: String

    static let maxBytes = 16384

    init(parsing text: String) throws {
        guard text.utf8.count <= Self.maxBytes else {
            throw KataError(.malformedInput, "veritysetup output: more than \(Self.maxBytes) bytes")
        }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingWhitespace
            guard Self.used.contains(key) else { continue }
            guard fields[key] == nil else {
                throw KataError(.malformedInput, "veritysetup output: \"\(key)\" appears twice")
            }
            fields[key] = value
        }
        func field(_ key: String) throws -> String {
            guard let value = fields[key], !value.isEmpty else {
                throw KataError(.malformedInput, "veritysetup output: no \"\(key)\" line")
            }
            return value
        }
        func number(_ key: String) throws -> UInt64 {
            let text = try field(key)
            guard text.utf8.count <= 19, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let value = UInt64(text)
            else {
                throw KataError(.malformedInput, "veritysetup output: \"\(key)\" is not a number: \(text)")
            }
            return value
        }
        hashType = Int(try number("Hash type"))
        dataBlocks = try number("Data blocks")
        dataBlockSize = try number("Data block size")
        hashBlockSize = try number("Hash block size")
        algorithm = try field("Hash algorithm")
        salt = try field("Salt")
        rootHash = try field("Root hash")
        guard hashType == 1 else {
            throw KataError(.malformedInput, "veritysetup output: hash type \(hashType), expected 1")
        }
        guard salt == "-" else {
            throw KataError(.malformedInput, "veritysetup output: a salt (\(salt)) where none was asked for")
        }
    }

    /// The parameters the guest needs, checked as the guest will check them.
    func verityInfo(hashOffset: UInt64) throws -> DmVerityInfo {
        let info = DmVerityInfo(
            hashtype: algorithm, hash: rootHash.lowercased(), blocknum: dataBlocks, blocksize: dataBlockSize,
            hashsize: hashBlockSize, offset: hashOffset)
        do {
            try info.validate()
        } catch let error as KataError {
            throw KataError(.malformedInput, "veritysetup output: \(error.message)")
        }
        return info
    }

    private static let used: Set<String> = [
        "Hash type", "Data blocks", "Data block size", "Hash block size", "Hash algorithm", "Salt",
        "Root hash",
    ]
}

extension Substring {
    fileprivate var trimmingWhitespace: String {
        String(
            drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
                .reversed())
    }
}
