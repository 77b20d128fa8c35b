/// proto3 scalars and lists have no presence: an absent runtime-spec value travels as the zero
/// value, and a zero value comes back as absent. These helpers apply that one rule everywhere.
extension Optional where Wrapped == String {
    var orEmpty: String { self ?? "" }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension Array {
    var nonEmpty: [Element]? { isEmpty ? nil : self }
}

extension Dictionary {
    var nonEmpty: [Key: Value]? { isEmpty ? nil : self }
}

extension BinaryInteger {
    var nonZero: Self? { self == 0 ? nil : self }
}

extension Bool {
    var trueOrNil: Bool? { self ? true : nil }
}
