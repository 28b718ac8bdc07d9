/// Metrics as Prometheus' text exposition format (version 0.0.4), the body the metrics
/// listener serves and the control socket's `metrics` answer carries:
///
///     # HELP subflowd_events_total MPTCP events received from the kernel, by type.
///     # TYPE subflowd_events_total counter
///     subflowd_events_total{type="CREATED"} 3
///
/// Families print in the order they were added, each with its HELP and TYPE lines; label values
/// and help texts are escaped as the format requires. Metric and label names are fixed by the
/// caller's code, so an invalid one is a programming error and stops the process.
public struct PrometheusExposition: Sendable {
    public enum Kind: String, Sendable { case counter, gauge }

    /// One sample: its labels (name, value) in order, and its value.
    public struct Sample: Sendable {
        public var labels: [(name: String, value: String)]
        public var value: Double
        public init(_ labels: [(name: String, value: String)] = [], _ value: Double) {
            self.labels = labels; self.value = value
        }
        public init<I: BinaryInteger>(_ labels: [(name: String, value: String)] = [], _ value: I) {
            self.init(labels, Double(value))
        }
    }

    /// The content type to send with the text.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private var body = ""
    private var names: Set<String> = []

    public init() {}

    /// Adds a metric family. A counter's name must end in `_total`.
    public mutating func add(_ name: String, _ kind: Kind, help: String, _ samples: [Sample]) {
        precondition(Self.isValidMetricName(name), "invalid metric name \(name)")
        precondition(kind != .counter || name.hasSuffix("_total"), "counter \(name) must end in _total")
        precondition(names.insert(name).inserted, "metric \(name) added twice")
        body += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            body += name
            if !sample.labels.isEmpty {
                body +=
                    "{"
                    + sample.labels.map { label in
                        precondition(Self.isValidLabelName(label.name), "invalid label name \(label.name)")
                        return "\(label.name)=\"\(Self.escapeLabelValue(label.value))\""
                    }.joined(separator: ",") + "}"
            }
            body += " " + Self.format(sample.value) + "\n"
        }
    }

    /// A family with a single unlabelled sample.
    public mutating func add(_ name: String, _ kind: Kind, help: String, value: Double) {
        add(name, kind, help: help, [Sample([], value)])
    }

    public var text: String { body }

    // MARK: format rules

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    public static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetter(first) || first == 0x5F || first == 0x3A else { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == 0x5F || $0 == 0x3A }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, and not starting with `__` (reserved).
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetter(first) || first == 0x5F, !name.hasPrefix("__") else { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == 0x5F }
    }

    /// Backslash, double quote and newline escaped.
    public static func escapeLabelValue(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Backslash and newline escaped.
    public static func escapeHelp(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Integers without a fraction (`42`), other values as Swift prints them (`12.345`),
    /// and `NaN`, `+Inf`, `-Inf` as the format spells them.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.rounded() == value, abs(value) < 9.0e15 { return String(Int64(value)) }
        return String(value)
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
}
