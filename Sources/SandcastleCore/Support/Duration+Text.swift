/// A whole number of seconds written as `90s`, `30m`, `72h`, `7d` or a sum like `1h30m`.
public struct ConfigDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    /// Parses the text form; `nil` when it is not one or more `<digits><unit>` groups (units s, m, h, d, w).
    public init?(parsing text: String) {
        var total = 0
        var digits = ""
        var sawGroup = false
        for ch in text {
            if ch.isASCII, ch.isNumber {
                digits.append(ch)
                continue
            }
            guard let amount = Int(digits), let unit = ConfigDuration.units[ch] else { return nil }
            let (product, overflow1) = amount.multipliedReportingOverflow(by: unit)
            let (sum, overflow2) = total.addingReportingOverflow(product)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
            digits = ""
            sawGroup = true
        }
        guard sawGroup, digits.isEmpty else { return nil }
        self.seconds = total
    }

    private static let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]

    /// The shortest text form, e.g. `3d`, `1h30m`, `0s`.
    public var description: String {
        if seconds == 0 { return "0s" }
        var rest = seconds
        var out = ""
        for (unit, size) in [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    public static func < (lhs: ConfigDuration, rhs: ConfigDuration) -> Bool { lhs.seconds < rhs.seconds }
}
