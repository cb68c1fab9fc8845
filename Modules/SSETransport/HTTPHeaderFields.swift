/// An ordered list of HTTP header fields with case-insensitive lookup.
///
/// Names keep the spelling they were added with; lookups ignore ASCII case, as HTTP requires.
///
/// ```swift
/// var headers: HTTPHeaderFields = ["Authorization": "Bearer abc"]
/// headers["accept"] = "text/event-stream"    // replaces every field of that name
/// headers.add(name: "X-Trace", value: "1")     // keeps existing fields of that name
/// ```
public struct HTTPHeaderFields: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One header field.
    public struct Field: Sendable, Hashable {
        /// The field name, as it was added.
        public var name: String
        /// The field value.
        public var value: String

        /// Creates a field.
        ///
        /// - Parameters:
        ///   - name: The field name.
        ///   - value: The field value.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    private var fields: [Field]

    /// Creates a list from fields, in order.
    ///
    /// - Parameter fields: The fields; repeated names are kept.
    public init(_ fields: [Field] = []) {
        self.fields = fields
    }

    /// Creates a list from a literal such as `["Accept": "text/event-stream"]`.
    ///
    /// - Parameter elements: Name and value pairs, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    /// The first value of the named field, or `nil`; setting replaces every field of that name,
    /// and setting `nil` removes them.
    ///
    /// - Parameter name: The field name, compared without regard to ASCII case.
    public subscript(name: String) -> String? {
        get { fields.first { $0.name.equalsIgnoringASCIICase(name) }?.value }
        set {
            guard let newValue else {
                remove(name: name)
                return
            }
            if let index = fields.firstIndex(where: { $0.name.equalsIgnoringASCIICase(name) }) {
                fields[index].value = newValue
                var position = fields.index(after: index)
                while position < fields.endIndex {
                    if fields[position].name.equalsIgnoringASCIICase(name) {
                        fields.remove(at: position)
                    } else {
                        position += 1
                    }
                }
            } else {
                fields.append(Field(name: name, value: newValue))
            }
        }
    }

    /// Every value of the named field, in order.
    ///
    /// - Parameter name: The field name, compared without regard to ASCII case.
    /// - Returns: The values; empty when the field is absent.
    public func values(for name: String) -> [String] {
        fields.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    /// Appends a field, keeping any existing fields of the same name.
    ///
    /// - Parameters:
    ///   - name: The field name.
    ///   - value: The field value.
    public mutating func add(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Removes every field of the given name.
    ///
    /// - Parameter name: The field name, compared without regard to ASCII case.
    public mutating func remove(name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// Whether a field of the given name is present.
    ///
    /// - Parameter name: The field name, compared without regard to ASCII case.
    /// - Returns: `true` when at least one field has that name.
    public func contains(name: String) -> Bool {
        fields.contains { $0.name.equalsIgnoringASCIICase(name) }
    }

    /// The number of fields.
    public var count: Int { fields.count }

    /// Iterates over the fields in order.
    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }
}

private extension String {
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        utf8.elementsEqual(other.utf8) { a, b in a.lowercasedASCII == b.lowercasedASCII }
    }
}

private extension UInt8 {
    var lowercasedASCII: UInt8 { self >= 0x41 && self <= 0x5A ? self + 0x20 : self }
}
