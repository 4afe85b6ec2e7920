import Foundation

/// A Kubernetes resource quantity (`500m`, `2`, `4Gi`, `1e3`), exact to the milli-unit, for adding
/// quota increments.
public struct Quantity: Sendable, Hashable {
    /// The value in thousandths of a unit.
    public let millis: Decimal
    /// The suffix it was written with, reused when printing a sum of like quantities.
    public let suffix: String

    static let binary: [String: Decimal] = [
        "Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776, "Pi": 1_125_899_906_842_624,
        "Ei": 1_152_921_504_606_846_976,
    ]
    static let decimal: [String: Decimal] = [
        "m": Decimal(string: "0.001")!, "": 1, "k": 1000, "M": 1_000_000, "G": 1_000_000_000, "T": 1_000_000_000_000,
        "P": 1_000_000_000_000_000, "E": 1_000_000_000_000_000_000,
    ]

    /// Parses `text`; `nil` when it is not a quantity.
    public init?(_ text: String) {
        let digits = text.prefix { $0.isNumber || $0 == "." || $0 == "+" || $0 == "-" }
        let rest = String(text.dropFirst(digits.count))
        guard !digits.isEmpty, let number = Decimal(string: String(digits)) else { return nil }
        if let factor = Self.binary[rest] ?? Self.decimal[rest] {
            millis = number * factor * 1000
            suffix = rest
        } else if rest.first == "e" || rest.first == "E", let exponent = Int(rest.dropFirst()), (-3...18).contains(exponent) {
            millis = number * pow(10, exponent + 3)
            suffix = ""
        } else {
            return nil
        }
    }

    private init(millis: Decimal, suffix: String) {
        self.millis = millis
        self.suffix = suffix
    }

    /// The sum, written with the shared suffix when both have one, else in plain units (or `m`).
    public static func + (a: Quantity, b: Quantity) -> Quantity {
        Quantity(millis: a.millis + b.millis, suffix: a.suffix == b.suffix ? a.suffix : "")
    }

    /// The canonical text: `5Gi`, `1500m`, `3`.
    public var text: String {
        let factor = (Self.binary[suffix] ?? Self.decimal[suffix] ?? 1) * 1000
        let scaled = millis / factor
        if scaled == scaled.rounded(0) { return "\(scaled.rounded(0))\(suffix)" }
        if millis == millis.rounded(0) {
            let units = millis / 1000
            return units == units.rounded(0) ? "\(units.rounded(0))" : "\(millis.rounded(0))m"
        }
        return "\(scaled)\(suffix)"
    }
}

extension Decimal {
    fileprivate func rounded(_ scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }
}

extension Quantity {
    /// `base` with each of `increments` added to the same key (keys only in `increments` are added).
    public static func add(_ increments: [String: String], to base: [String: String]) -> [String: String] {
        var result = base
        for (key, increment) in increments {
            if let current = base[key].flatMap(Quantity.init), let extra = Quantity(increment) {
                result[key] = (current + extra).text
            } else {
                result[key] = increment
            }
        }
        return result
    }
}
